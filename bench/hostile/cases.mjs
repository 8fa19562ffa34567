// Hostile request bodies for the fuzz phases: valid Kinesis and Firehose requests (templates/),
// mutated member by member (wrong types, nulls, huge strings, deep nesting, huge arrays, unicode,
// long ARNs made of the model patterns' pieces) or byte by byte, as AWS JSON 1.1 or AWS CBOR 1.1.
// Everything is drawn from one seeded generator, so a run can be repeated (--seed).
import { encode as cborEncode, Tag } from 'cbor-x';
import { hasNearValid, nearValid } from './near-valid.mjs';
import { templates } from './templates.mjs';

/** mulberry32: small, fast, seedable. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p, bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}

/** JSON text put into a body as is (nesting and arrays too deep or large to build as objects). */
export class Raw {
  constructor(text) {
    this.text = text;
  }
}

/** JSON.stringify that writes Raw values verbatim. */
export function toJson(value) {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const PATTERN_ARN = (n) => 'arn:aws' + ':kinesis::000000000000:stream/'.repeat(n) + ' ';
const memo = new Map();
/** Large strings are built once and shared. */
const big = (key, make) => memo.get(key) ?? (memo.set(key, make()), memo.get(key));

const SCALARS = [
  null, true, false, 0, -1, 1.5, -0.5, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 + 2, -(2 ** 63), 1e21, '', ' ', '0', '-1', '1e400', 'null', 'true',
  '\u0000', '\ud800', '\udfff\ud800', '\u202e', '😀'.repeat(40), 'e\u0301'.repeat(50), '%00', '%ff', '../../../../etc/passwd', '\r\nx-injected: 1',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '${jndi:ldap://x}', '<script>', "'; DROP TABLE", '\\', '"', '*', '.', '-',
  'shardId-', 'shardId-999999999999', 'shardId-000000000000 ', 'shardId--1', '4'.repeat(44), '4'.repeat(45), '9'.repeat(400), 'AAAA', '====', 'eA=', 'not base64!',
  'arn:aws:kinesis:us-east-1:000000000000:stream/fuzz', 'arn:aws:kinesis:us-east-1:000000000000:stream/fuzz/consumer/c:1', 'arn:aws:kinesis:us-east-1:000000000000:stream/',
  'arn:aws:firehose:us-east-1:000000000000:deliverystream/x', 'arn:aws:s3:::', 'arn:aws:iam::000000000000:role/', 'arn:' + ':'.repeat(200),
  'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'ON_DEMAND', 'PROVISIONED', 'KMS', 'NONE', 'GZIP', 'UNCOMPRESSED',
];

/** One hostile value (a JS value, or Raw JSON text). */
export function hostileValue(r) {
  switch (r.int(16)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return r.pick(SCALARS);
    case 4: {
      const n = r.pick([129, 257, 1025, 2049, 4097, 65_537, 1 << 20]);
      return big(`a${n}`, () => 'a'.repeat(n));
    }
    case 5:
      return big(`arn${r.int(4)}`, () => PATTERN_ARN([65, 70, 1000, 20_000][r.int(4)]));
    case 6: {
      const d = r.pick([64, 1000, 10_000, 100_000, 1_000_000]);
      return big(`deep${d}`, () => new Raw('['.repeat(d) + ']'.repeat(d)));
    }
    case 7: {
      const d = r.pick([100, 5000, 50_000]);
      return big(`deepo${d}`, () => new Raw('{"a":'.repeat(d) + 'null' + '}'.repeat(d)));
    }
    case 8: {
      const n = r.pick([10_001, 100_000, 500_000]);
      return big(`arr${n}`, () => new Raw(`[${'0,'.repeat(n - 1)}0]`));
    }
    case 9: {
      const n = r.pick([501, 10_001, 50_000]);
      return big(`recs${n}`, () => new Raw(`[${Array(n).fill('{"PartitionKey":"k","Data":"eA=="}').join(',')}]`));
    }
    case 10:
      return r.pick([[], {}, [null], [[]], { a: 1 }, [1, 'a', null], { __proto__: null, constructor: 1 }, { StreamName: 'fuzz' }]);
    case 11:
      return new Raw(r.pick(['1e999999', '-0', '0.0000000000000000000000001', '123456789012345678901234567890', '"\\u0000"', '"\\ud800"', '"\\uDEAD\\uBEEF"', 'NaN', 'Infinity', '[,]', '{"a":1,"a":2}', '"\\x41"']));
    case 12:
      return r.bytes(r.int(64)).toString('latin1'); // control and high bytes, as a JS string
    case 13:
      return String.fromCodePoint(...Array.from({ length: 1 + r.int(40) }, () => r.int(0x110000 - 0xe000) + (r.chance(0.5) ? 0 : 0xe000))).replace(/[\ud800-\udfff]/g, 'x');
    case 14:
      return r.int(2 ** 31) * (r.chance(0.5) ? -1 : 1);
    default:
      return `fuzz-${r.int(1e9)}`.slice(0, 1 + r.int(20));
  }
}

/** The member paths of a body: [['StreamName'], ['Records', 0, 'Data'], ...]. */
function paths(value, prefix = [], out = []) {
  if (value instanceof Raw || value === null || typeof value !== 'object') return out;
  for (const k of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    out.push([...prefix, k]);
    paths(value[k], [...prefix, k], out);
  }
  return out;
}

const clone = (v) => (v instanceof Raw ? v : Array.isArray(v) ? v.map(clone) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v);
const UNKNOWN_MEMBERS = ['StreamARN', 'StreamName', 'ShardId', 'Records', 'Limit', 'NextToken', 'Tags', 'ConsumerARN', '__proto__', 'constructor', '', ' ', 'x'.repeat(1000), 'StreamName ', 'streamName'];

/** 1-3 member mutations of a valid body (near-valid values by member name when `ctx` is given). */
export function mutateMembers(r, body, ctx) {
  const out = clone(body);
  for (let n = 1 + r.int(3); n > 0; n--) {
    const all = paths(out);
    const named = ctx === undefined ? [] : all.filter((p) => hasNearValid(p.at(-1)));
    if (named.length > 0 && r.chance(0.4)) {
      const path = r.pick(named);
      const parent = path.slice(0, -1).reduce((o, k) => o[k], out);
      parent[path.at(-1)] = clone(nearValid(r, path.at(-1), parent[path.at(-1)], ctx));
      continue;
    }
    const path = all.length > 0 ? r.pick(all) : null;
    const parent = path === null ? out : path.slice(0, -1).reduce((o, k) => o[k], out);
    const key = path?.at(-1);
    switch (path === null ? 3 : r.int(6)) {
      case 0:
      case 1:
      case 2:
        parent[key] = hostileValue(r);
        break;
      case 3: // an unknown (or misplaced) member
        Object.defineProperty(out, r.pick(UNKNOWN_MEMBERS), { value: hostileValue(r), enumerable: true, writable: true, configurable: true });
        break;
      case 4:
        if (Array.isArray(parent)) parent.splice(key, 1);
        else delete parent[key];
        break;
      default: // the right value, one level too deep or shallow
        parent[key] = r.chance(0.5) ? [parent[key]] : { value: parent[key] };
    }
  }
  return out;
}

/** A byte-level mutation of an encoded body. */
export function mutateBytes(r, buf) {
  const b = Buffer.from(buf);
  switch (r.int(7)) {
    case 0:
      return b.subarray(0, r.int(b.length + 1)); // truncated
    case 1:
      for (let i = 0; i < 1 + r.int(8) && b.length > 0; i++) b[r.int(b.length)] = r.int(256);
      return b;
    case 2: {
      const at = r.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), r.bytes(1 + r.int(16)), b.subarray(at)]);
    }
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]); // a BOM
    case 4:
      return Buffer.concat([b, Buffer.from(r.pick([' ', '}', ']]', '\u0000', 'garbage', '{}', '\n{"a":1}']))]);
    case 5:
      return Buffer.from(b.toString('latin1'), 'utf16le'); // the wrong encoding
    default:
      return r.bytes(r.int(512));
  }
}

const RAW_CBOR = [
  () => Buffer.concat([Buffer.alloc(100_000, 0x81), Buffer.from([0xf6])]), // arrays nested 100,000 deep
  () => Buffer.concat([Buffer.alloc(50_000, 0xa1).map((v, i) => (i % 2 === 0 ? 0xa1 : 0x60)), Buffer.from([0xf6])]), // maps nested deep
  () => Buffer.from('bf6a53747265616d4e616d65', 'hex'), // an indefinite map that never ends
  () => Buffer.from('a16a53747265616d4e616d657b7fffffffffffffff', 'hex'), // a text string claiming 2^63 bytes
  () => Buffer.from('9b7fffffffffffffff', 'hex'), // an array claiming 2^63 items
  () => Buffer.from('bb00000000ffffffff', 'hex'), // a map claiming 2^32 pairs
  () => Buffer.from('a16a53747265616d4e616d655b00000000ffffffff', 'hex'), // a byte string claiming 4 GiB
  () => Buffer.from('d81ca1614fd81d00', 'hex'), // tag 28/29: a map that contains itself
  () => Buffer.from('d81ca26a53747265616d4e616d6564667a7a7a6452656373d81d00', 'hex'), // a cycle beside a member
  () => cborEncode({ StreamName: new Tag(['RegExp', '(a+)+$'], 27) }), // tag 27: a RegExp where a string goes
  () => cborEncode(new Tag(['Error', 'x'], 27)), // tag 27: the body itself an Error
  () => cborEncode({ StreamName: new Tag([1, 2, 3], 258) }), // tag 258: a Set
  () => cborEncode({ StreamName: new Tag({ a: 1 }, 259), Records: new Tag([[{ Data: 1 }]], 259) }), // tag 259: a Map
  () => Buffer.from('a16a53747265616d4e616d65d8554400000000', 'hex'), // tag 85: a Float32Array
  () => Buffer.from('a16a53747265616d4e616d65c11b7fffffffffffffff', 'hex'), // a date at 2^63 ms
  () => Buffer.from('a16a53747265616d4e616d65c25101000000000000000000000000000000ff', 'hex'), // a bignum
  () => Buffer.from('a16a53747265616d4e616d6562e282', 'hex'), // text that is not UTF-8
  () => Buffer.from('a1f6f6', 'hex'), // a null key
  () => Buffer.from('a1a0a0', 'hex'), // a map as a key
  () => Buffer.from('a163626164d8199999', 'hex'), // tag 25 (stringref) with a huge index
  () => Buffer.from('d9dfffa16a53747265616d4e616d6501', 'hex'), // cbor-x's record-definition tag range
  () => Buffer.from('d83384010203', 'hex'), // tag 51: a packed table that is not
  () => Buffer.from('d8068101', 'hex'), // tag 6: a packed reference
];

/**
 * One fuzz request: { target, contentType, body: Buffer, how } (how: what was done, for the report).
 * ctx: names of the fuzz run's own resources (templates.mjs).
 */
export function fuzzCase(r, ctx) {
  const service = r.chance(0.78) ? 'kinesis' : 'firehose';
  const table = templates(ctx)[service];
  const op = r.pick(Object.keys(table));
  const prefix = service === 'kinesis' ? 'Kinesis_20131202' : 'Firehose_20150804';
  let target = `${prefix}.${op}`;
  if (r.chance(0.05)) target = r.pick([`${prefix}.${op.toLowerCase()}`, `${prefix}.__proto__`, `${prefix}.constructor`, `${prefix}.toString`, `${prefix}.hasOwnProperty`, `${prefix}.`, prefix, `${prefix}.${op}.${op}`, 'Kinesis_20131202.PutRecordBatch', 'Firehose_20150804.PutRecords', `Kinesis_20131201.${op}`, `${prefix}.${'A'.repeat(5000)}`, '']);
  const valid = table[op](r);
  const cbor = service === 'kinesis' && r.chance(0.2);
  const kind = r.int(10);
  let body;
  let how;
  if (cbor && kind === 0) {
    const i = r.int(RAW_CBOR.length);
    body = RAW_CBOR[i]();
    how = `raw CBOR #${i}`;
  } else if (kind <= 6) {
    const mutated = tame(kind === 6 ? valid : mutateMembers(r, valid, ctx));
    body = cbor ? cborEncode(forCbor(mutated)) : Buffer.from(toJson(mutated));
    how = kind === 6 ? 'valid' : 'members';
  } else {
    body = mutateBytes(r, cbor ? cborEncode(forCbor(valid)) : Buffer.from(toJson(valid)));
    how = 'bytes';
  }
  return { service, op, target, contentType: cbor ? 'application/x-amz-cbor-1.1' : 'application/x-amz-json-1.1', body, how: `${how}${cbor ? ' (CBOR)' : ''}` };
}

/** A mutated shard count that the account's limit (500) would take becomes 2: the fuzzer makes no hundreds of shards. */
function tame(body) {
  for (const k of ['ShardCount', 'TargetShardCount']) if (typeof body[k] === 'number' && body[k] >= 5 && body[k] <= 1_000_000) body[k] = 2;
  return body;
}

/** CBOR has no Raw: deep and large JSON become a bounded structure, Data strings become bytes. */
function forCbor(value, key = '') {
  if (value instanceof Raw) return value.text.length > 1000 ? 'x'.repeat(1000) : value.text;
  if (Array.isArray(value)) return value.map((v) => forCbor(v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forCbor(v, k)]));
  if (key === 'Data' && typeof value === 'string') return Buffer.from(value, 'base64');
  return value;
}
