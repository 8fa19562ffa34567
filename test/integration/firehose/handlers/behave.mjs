// A transform whose records say what it does with them (a test fixture; it runs unchanged on AWS
// Lambda, where the file operations would need /tmp):
//   event:<path>     write the whole event to <path> as JSON, answer Ok (the data unchanged)
//   count:<path>:<n> append a line to <path> per invocation; throw until it has <n> lines
//   throw            throw (every invocation)
//   malformed        answer without a records array
//   badresult        answer result "Fine" for it
//   dup              answer it twice
//   skip             do not answer it
//   keys:<k>=<v>     Ok with metadata.partitionKeys {k: v}
//   sleep:<ms>       wait <ms> before answering Ok
//   anything else    Ok, upper-cased
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

export async function handler(event) {
  const out = [];
  for (const record of event.records) {
    const text = Buffer.from(record.data, 'base64').toString('utf8');
    const [verb, ...rest] = text.split(':');
    const arg = rest.join(':');
    if (verb === 'event') writeFileSync(arg, JSON.stringify(event));
    if (verb === 'count') {
      const [path, n] = [arg.slice(0, arg.lastIndexOf(':')), Number(arg.slice(arg.lastIndexOf(':') + 1))];
      appendFileSync(path, 'invoked\n');
      if (readFileSync(path, 'utf8').split('\n').length - 1 < n) throw new Error(`not yet (${path})`);
    }
    if (verb === 'throw') throw new Error('asked to throw');
    if (verb === 'malformed') return { records: 'not a list' };
    if (verb === 'sleep') await new Promise((r) => setTimeout(r, Number(arg)));
    const ok = (data) => ({ recordId: record.recordId, result: 'Ok', data: Buffer.from(data).toString('base64') });
    if (verb === 'badresult') out.push({ recordId: record.recordId, result: 'Fine' });
    else if (verb === 'dup') out.push(ok('one'), ok('two'));
    else if (verb === 'skip') continue;
    else if (verb === 'keys') out.push({ ...ok(text), metadata: { partitionKeys: Object.fromEntries([arg.split('=')]) } });
    else if (verb === 'event' || verb === 'count' || verb === 'sleep') out.push(ok(text));
    else out.push(ok(text.toUpperCase()));
  }
  return { records: out };
}
