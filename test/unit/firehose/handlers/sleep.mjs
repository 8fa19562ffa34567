// Sleeps as many ms as its first record says, then answers Ok; says whether another invocation
// was running in this thread meanwhile (Lambda runs one at a time per execution environment).
let running = 0;
export async function handler(event) {
  running++;
  const overlapped = running > 1;
  await new Promise((r) => setTimeout(r, Number(Buffer.from(event.records[0].data, 'base64').toString())));
  running--;
  return { overlapped, records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })) };
}
