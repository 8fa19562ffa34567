// The transform pool's worker thread (piscina loads this file from dist/; handler-pool.ts is the
// main thread's side). It runs a user's Lambda handler module, unchanged from what runs on AWS
// Lambda: an ES or CommonJS module exporting `handler(event, context)` that returns a promise, or
// takes Lambda's Node.js callback as a third argument.
import { pathToFileURL } from 'node:url';
import { lambdaEvent, type InvocationIn, type RecordIn } from './contract.js';

export interface HandlerTask {
  /** The module's absolute path. */
  module: string;
  functionName: string;
  functionArn: string;
  requestId: string;
  /** How long the handler may run: context.getRemainingTimeInMillis() counts down from it. */
  timeoutMs: number;
  /** The worker writes when the handler starts (wall ms) into [0]: the main thread's timeout counts from then. */
  started: Float64Array;
  /** The invocation, its records' data in one buffer (moved here, not copied): the event is made in this thread. */
  head: Omit<InvocationIn, 'records'>;
  ids: string[];
  arrivals: Float64Array;
  lengths: Uint32Array;
  data: Uint8Array;
  kinesis?: Array<RecordIn['kinesis']>;
}

type Handler = (event: unknown, context: unknown, callback?: (err: unknown, result?: unknown) => void) => unknown;

const modules = new Map<string, Promise<Handler>>();

function load(path: string): Promise<Handler> {
  let h = modules.get(path);
  if (h === undefined) {
    h = import(pathToFileURL(path).href).then((m: Record<string, unknown>) => {
      const handler = (m.handler ?? (m.default as Record<string, unknown> | undefined)?.handler) as Handler | undefined;
      if (typeof handler !== 'function') throw new Error(`${path} exports no handler function`);
      return handler;
    });
    modules.set(path, h);
  }
  return h;
}

/** The event of a task, exactly as Firehose sends it (contract.ts), from the records packed by the pool. */
function eventOf(task: HandlerTask): unknown {
  const records: RecordIn[] = new Array(task.ids.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const len = task.lengths[i]!;
    const r: RecordIn = { recordId: task.ids[i]!, arrivalMs: task.arrivals[i]!, data: task.data.subarray(at, at + len) };
    const k = task.kinesis?.[i];
    if (k !== undefined) r.kinesis = k;
    records[i] = r;
    at += len;
  }
  return lambdaEvent({ ...task.head, records });
}

/** One invocation (the pool gives a thread one at a time). */
export default async function runHandler(task: HandlerTask): Promise<unknown> {
  task.started[0] = Date.now();
  const deadlineMs = task.started[0] + task.timeoutMs;
  const handler = await load(task.module);
  const event = eventOf(task);
  // What Lambda's Node.js runtime passes as the context (the members a transform uses).
  const context = {
    functionName: task.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: task.functionArn,
    memoryLimitInMB: '128',
    awsRequestId: task.requestId,
    logGroupName: `/aws/lambda/${task.functionName}`,
    logStreamName: 'riffle',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, result?: unknown) => (err === null || err === undefined ? resolve(result) : reject(err instanceof Error ? err : new Error(String(err))));
      const returned = handler(event, context, done);
      if (returned instanceof Promise) returned.then(resolve, reject);
    });
  }
  return handler(event, context);
}
