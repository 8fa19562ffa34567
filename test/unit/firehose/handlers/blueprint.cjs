// In the style of AWS's published "kinesis-firehose-process-record" blueprint (Node.js): runs
// unchanged on AWS Lambda. Upper-cases each record; drops empty ones; fails records that say "fail".
console.log('Loading function');

exports.handler = async (event, context) => {
  let success = 0;
  let failure = 0;
  const output = event.records.map((record) => {
    const payload = Buffer.from(record.data, 'base64').toString('ascii');
    if (payload === '') return { recordId: record.recordId, result: 'Dropped' };
    if (payload === 'fail') {
      failure++;
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
    success++;
    return { recordId: record.recordId, result: 'Ok', data: Buffer.from(payload.toUpperCase() + ` (${context.functionName})`, 'ascii').toString('base64') };
  });
  console.log(`Processing completed.  Successful records ${success}, Failed records ${failure}.`);
  return { records: output };
};
