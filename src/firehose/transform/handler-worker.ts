// The transform pool's worker thread (piscina loads this file from dist/; handler-pool.ts is the
// main thread's side). It runs a user's Lambda handler module, unchanged from what runs on AWS
// Lambda: an ES or CommonJS module exporting `handler(event, context)` that returns a promise, or
// takes Lambda's Node.js callback as a third argument.
import { pathToFileURL } from 'node:url';

export interface HandlerTask {
  /** The module's absolute path. */
  module: string;
  functionName: string;
  functionArn: string;
  requestId: string;
  /** When the invocation must be done (wall ms): context.getRemainingTimeInMillis(). */
  deadlineMs: number;
  event: unknown;
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

export default async function runHandler(task: HandlerTask): Promise<unknown> {
  const handler = await load(task.module);
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
    getRemainingTimeInMillis: () => Math.max(0, task.deadlineMs - Date.now()),
  };
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, result?: unknown) => (err === null || err === undefined ? resolve(result) : reject(err instanceof Error ? err : new Error(String(err))));
      const returned = handler(task.event, context, done);
      if (returned instanceof Promise) returned.then(resolve, reject);
    });
  }
  return handler(task.event, context);
}
