import { defineOperation } from '../operation.js';
import { ChannelARNRequired, channelNotFound, checkChannelArn } from '../channel-shapes.js';

interface Input {
  ChannelARN: string;
}

/** Riffle holds no channels (delivery is not built), so a well-formed ChannelARN names none. */
export const describeChannel = defineOperation<Input>({
  name: 'DescribeChannel',
  members: { ChannelARN: ChannelARNRequired },
  run(_engine, input) {
    checkChannelArn(input.ChannelARN);
    throw channelNotFound(input.ChannelARN);
  },
});
