// The transform the benchmark runs (riffle bench firehose-transform): parses each record's JSON
// clickstream event and re-emits it with two fields added, newline-terminated, the way a typical
// Firehose transform enriches records. Unchanged from what would run on AWS Lambda.
export async function handler(event) {
  return {
    records: event.records.map((record) => {
      const doc = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
      doc.processed = true;
      doc.type_upper = typeof doc.type === 'string' ? doc.type.toUpperCase() : null;
      return { recordId: record.recordId, result: 'Ok', data: Buffer.from(`${JSON.stringify(doc)}\n`).toString('base64') };
    }),
  };
}
