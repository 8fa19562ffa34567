// One AWS JSON 1.1 Kinesis call from a benchmark orchestrator (unsigned: Riffle and kinesalite
// check only that a signature is present). `at`: a port on 127.0.0.1, or a base URL. Throws with
// the error body on a non-200 answer.
export async function api(at, op, body) {
  const res = await fetch(typeof at === 'number' ? `http://127.0.0.1:${at}/` : `${at}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Kinesis_20131202.${op}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20260101T000000Z',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = text === '' ? {} : JSON.parse(text);
  if (res.status !== 200) throw new Error(`${op}: ${JSON.stringify(json)}`);
  return json;
}
