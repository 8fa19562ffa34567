// An ES module with Lambda's callback style; it keeps state between invocations (a warm function).
let calls = 0;
export function handler(event, context, callback) {
  calls++;
  if (event.records[0] && Buffer.from(event.records[0].data, 'base64').toString() === 'throw') return callback(new Error('asked to fail'));
  setTimeout(() => callback(null, { records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: Buffer.from(`${calls}`).toString('base64'), metadata: { partitionKeys: { calls: String(calls) } } })) }), 5);
}
