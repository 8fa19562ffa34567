import type { Shape } from '../../aws/validate.js';
import { defineOperation } from '../operation.js';
import {
  bothDestinations,
  ChannelARNRequired,
  channelNotFound,
  checkChannelArn,
  checkDataFreshness,
  DataFreshnessInSeconds,
  LoggingConfiguration,
  type LoggingInput,
} from '../channel-shapes.js';

interface Input {
  ChannelARN: string;
  LoggingConfiguration?: LoggingInput;
  S3DestinationConfiguration?: { DataFreshnessInSeconds: number };
  S3TablesDestinationConfiguration?: { DataFreshnessInSeconds: number };
}

/** S3DestinationUpdateInput and S3TablesDestinationUpdateInput: only the data freshness can change. */
const DestinationUpdate: Shape = { type: 'Structure', members: { DataFreshnessInSeconds: { ...DataFreshnessInSeconds, required: true } } };

/**
 * Only data freshness and logging can change. Riffle holds no channels (delivery is not built), so
 * after the checks a channel could fail without one, a well-formed ChannelARN names none.
 */
export const updateChannel = defineOperation<Input>({
  name: 'UpdateChannel',
  members: {
    ChannelARN: ChannelARNRequired,
    LoggingConfiguration,
    S3DestinationConfiguration: DestinationUpdate,
    S3TablesDestinationConfiguration: DestinationUpdate,
  },
  run(_engine, input) {
    checkChannelArn(input.ChannelARN);
    // A channel has one destination, so an update names at most one. Wording unconfirmed.
    if (input.S3DestinationConfiguration !== undefined && input.S3TablesDestinationConfiguration !== undefined) throw bothDestinations();
    checkDataFreshness(input.S3DestinationConfiguration?.DataFreshnessInSeconds, 'S3DestinationConfiguration');
    checkDataFreshness(input.S3TablesDestinationConfiguration?.DataFreshnessInSeconds, 'S3TablesDestinationConfiguration');
    throw channelNotFound(input.ChannelARN);
  },
});
