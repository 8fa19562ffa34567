import { AwsError } from './errors.js';
import { LinearPattern } from './linear-pattern.js';

/**
 * Request shapes and the two checks AWS (Coral) runs before an operation sees a request:
 *  1. type conversion: a wrong JSON type is a SerializationException with the Java deserializer's
 *     wording ("class java.lang.String can not be converted to an Integer");
 *  2. constraints: every violation, up to 10, in one ValidationException:
 *     "2 validation errors detected: Value '...' at 'records.1.member.partitionKey' failed to
 *     satisfy constraint: Member must have length greater than or equal to 1; ...".
 * Members are checked in the order the shape lists them (alphabetical, as AWS's models are).
 */
export interface Common {
  required?: boolean;
}
export type Shape =
  | (Common & { type: 'String'; min?: number; max?: number; pattern?: string; enum?: readonly string[] })
  | (Common & { type: 'Integer' | 'Long'; min?: number; max?: number })
  | (Common & { type: 'Boolean' })
  | (Common & { type: 'Blob'; max?: number })
  | (Common & { type: 'Timestamp' })
  | (Common & {
      type: 'List';
      min?: number;
      max?: number;
      member: Shape;
      memberStr?: string;
      /**
       * A fast path for a hot list: returns the list already converted and checked (any non-array
       * value), or undefined to leave it to the generic passes. It must accept only lists the
       * generic passes accept, so every error keeps the generic wording.
       */
      fast?: (val: unknown) => object | undefined;
    })
  | (Common & { type: 'Map'; min?: number; max?: number; key: Shape; value: Shape })
  | (Common & { type: 'Structure'; members: Members });
export type Members = Record<string, Shape>;

function serialization(message: string): AwsError {
  return new AwsError('SerializationException', message, { messageKey: 'Message' });
}

function notObject(val: object): AwsError {
  return serialization(Array.isArray(val) ? 'Start of list found where not expected' : 'Start of structure or map found where not expected.');
}

/** The bytes a base64 string of whole 4-character groups decodes to. */
export function base64Bytes(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/**
 * `s` decoded, or null when it is not base64 (the standard alphabet, padded to 4-character
 * groups). No pattern runs over it (this is every record's path): Node's decoder skips what is not
 * base64 and stops at a '=' inside, so anything else decodes short; only the URL alphabet's - and
 * _, which it takes, are looked for.
 */
export function decodeBase64(s: string): Buffer | null {
  if (s.length % 4 !== 0 || s.includes('-') || s.includes('_')) return null;
  const out = Buffer.from(s, 'base64');
  return out.length === base64Bytes(s) ? out : null;
}

/** Type pass: converts JSON/CBOR values to their runtime form, or throws SerializationException. */
function convert(val: unknown, shape: Shape): unknown {
  if (val === null || val === undefined) return undefined;
  const t = shape.type;
  const isBytes = val instanceof Uint8Array;
  switch (t) {
    case 'String':
      if (typeof val === 'string') return val;
      if (typeof val === 'boolean') throw serialization('class java.lang.Boolean can not be converted to an String');
      if (typeof val === 'number') throw serialization('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String');
      throw notObject(val as object);
    case 'Integer':
    case 'Long':
      if (typeof val === 'number') return t === 'Integer' ? Math.min(Math.floor(val), 2147483647) : Math.floor(val);
      if (typeof val === 'boolean') throw serialization(`class java.lang.Boolean can not be converted to an ${t}`);
      if (typeof val === 'string') throw serialization(`class java.lang.String can not be converted to an ${t}`);
      throw notObject(val as object);
    case 'Boolean':
      if (typeof val === 'boolean') return val;
      if (typeof val === 'number') throw serialization('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean');
      if (typeof val === 'string') throw serialization(`'${val.toUpperCase()}' can not be converted to an Boolean`);
      throw notObject(val as object);
    case 'Blob':
      if (isBytes) return Buffer.from(val.buffer, val.byteOffset, val.byteLength);
      if (typeof val === 'boolean') throw serialization('class java.lang.Boolean can not be converted to a Blob');
      if (typeof val === 'number') throw serialization('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob');
      if (typeof val !== 'string') throw notObject(val as object);
      if (val.length % 4 !== 0) {
        throw serialization(`'${val}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${val.length}`);
      }
      const bytes = decodeBase64(val);
      if (bytes === null) {
        const bad = /[^A-Za-z0-9+/=]|=[^=]/.exec(val)?.[0]?.[0] ?? '=';
        throw serialization(`'${val}' can not be converted to a Blob: Invalid Base64 character: '${bad}'`);
      }
      return bytes;
    case 'Timestamp':
      // JSON carries epoch seconds; the CBOR decoder hands us a Date.
      if (val instanceof Date) return val.getTime();
      if (typeof val === 'number') return val * 1000;
      if (typeof val === 'boolean') throw serialization('class java.lang.Boolean can not be converted to milliseconds since epoch');
      if (typeof val === 'string') throw serialization('class java.lang.String can not be converted to milliseconds since epoch');
      throw notObject(val as object);
    case 'List': {
      const fast = shape.fast?.(val);
      if (fast !== undefined) return fast;
      if (typeof val !== 'object' || isBytes) throw serialization('Expected list or null');
      if (!Array.isArray(val)) throw serialization('Start of structure or map found where not expected.');
      return val.map((v) => convert(v, shape.member));
    }
    case 'Map': {
      if (typeof val !== 'object' || isBytes) throw serialization('Expected map or null');
      if (Array.isArray(val)) throw serialization('Start of list found where not expected');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(val)) out[k] = convert(v, shape.value);
      return out;
    }
    case 'Structure':
      if (typeof val !== 'object' || isBytes) throw serialization('Expected null');
      if (Array.isArray(val)) throw serialization('Start of list found where not expected');
      return convertMembers(val as Record<string, unknown>, shape.members);
  }
}

/** Each structure's members as [name, shape, path segment], listed once: shapes are static. */
const memberLists = new WeakMap<Members, ReadonlyArray<readonly [string, Shape, string]>>();
function membersOf(members: Members): ReadonlyArray<readonly [string, Shape, string]> {
  let list = memberLists.get(members);
  if (list === undefined) {
    list = Object.entries(members).map(([name, shape]) => [name, shape, name.charAt(0).toLowerCase() + name.slice(1)] as const);
    memberLists.set(members, list);
  }
  return list;
}

/** Drops members the shape does not know (AWS ignores them) and converts the rest. */
function convertMembers(input: Record<string, unknown>, members: Members): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, shape] of membersOf(members)) {
    const v = convert(input[name], shape);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function render(val: unknown, shape: Shape): string {
  if (val === undefined) return 'null';
  let text: string;
  if (shape.type === 'Blob') {
    const n = (val as Buffer).length;
    text = `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;
  } else if (shape.type === 'List') {
    text = `[${(val as unknown[]).map((v) => shape.memberStr ?? String(v)).join(', ')}]`;
  } else if (shape.type === 'Map') {
    text = `{${Object.entries(val as object).map(([k, v]) => `${k}=${String(v)}`).join(', ')}}`;
  } else {
    text = typeof val === 'object' ? JSON.stringify(val) : String(val);
  }
  return `'${text}'`;
}

const MAX_ERRORS = 10;

/**
 * Compiled once per pattern: shapes are static, requests are many. Matched in linear time
 * (linear-pattern.ts): a backtracking RegExp on a model pattern can take seconds on one crafted
 * value, and every request waits behind it.
 */
const patterns = new Map<string, LinearPattern>();
function anchored(pattern: string): LinearPattern {
  let re = patterns.get(pattern);
  if (re === undefined) patterns.set(pattern, (re = new LinearPattern(pattern)));
  return re;
}

function fail(errors: string[], val: unknown, shape: Shape, path: string, constraint: string): void {
  if (errors.length < MAX_ERRORS) errors.push(`Value ${render(val, shape)} at '${path}' failed to satisfy constraint: ${constraint}`);
}

function lengths(n: number, val: unknown, shape: Shape & { min?: number; max?: number }, path: string, errors: string[]): void {
  if (shape.min !== undefined && n < shape.min) fail(errors, val, shape, path, `Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) fail(errors, val, shape, path, `Member must have length less than or equal to ${shape.max}`);
}

function check(val: unknown, shape: Shape, path: string, errors: string[]): void {
  if (val === undefined) {
    if (shape.required) fail(errors, val, shape, path, 'Member must not be null');
    return;
  }
  switch (shape.type) {
    case 'String': {
      const s = val as string;
      if (shape.enum !== undefined && !shape.enum.includes(s)) fail(errors, val, shape, path, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      // A value over its maximum length is not also matched against the pattern (that is all the
      // error says then): lengths first, so the work per value stays bounded by the model.
      const tooLong = shape.max !== undefined && s.length > shape.max;
      if (shape.pattern !== undefined && !tooLong && !anchored(shape.pattern).test(s)) {
        fail(errors, val, shape, path, `Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      lengths(s.length, val, shape, path, errors);
      return;
    }
    case 'Integer':
    case 'Long':
      if (shape.min !== undefined && (val as number) < shape.min) fail(errors, val, shape, path, `Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && (val as number) > shape.max) fail(errors, val, shape, path, `Member must have value less than or equal to ${shape.max}`);
      return;
    case 'Blob':
      if (shape.max !== undefined && (val as Buffer).length > shape.max) fail(errors, val, shape, path, `Member must have length less than or equal to ${shape.max}`);
      return;
    case 'List': {
      // Only the fast path converts a list to anything but an array, having checked it already.
      if (!Array.isArray(val)) return;
      const list = val as unknown[];
      lengths(list.length, val, shape, path, errors);
      for (let i = 0; i < list.length; i++) {
        // A list holds no nulls: a null member is refused as Coral refuses it, not left for the operation.
        if (list[i] === undefined) fail(errors, undefined, shape.member, `${path}.${i + 1}.member`, 'Member must not be null');
        else check(list[i], shape.member, `${path}.${i + 1}.member`, errors);
      }
      return;
    }
    case 'Map': {
      const entries = Object.entries(val as Record<string, unknown>);
      lengths(entries.length, val, shape, path, errors);
      for (const [k, v] of entries) {
        check(k, shape.key, `${path}.${k}.key`, errors);
        check(v, shape.value, `${path}.${k}.value`, errors);
      }
      return;
    }
    case 'Structure':
      checkMembers(val as Record<string, unknown>, shape.members, `${path}.`, errors);
      return;
    default:
      return;
  }
}

function checkMembers(input: Record<string, unknown>, members: Members, prefix: string, errors: string[]): void {
  for (const [name, shape, segment] of membersOf(members)) check(input[name], shape, prefix + segment, errors);
}

/**
 * Converts and checks a request against its members; returns the converted input (blobs as
 * Buffers, timestamps as epoch milliseconds) or throws SerializationException/ValidationException.
 */
export function validateInput<T>(input: Record<string, unknown>, members: Members): T {
  const converted = convertMembers(input, members);
  const errors: string[] = [];
  checkMembers(converted, members, '', errors);
  if (errors.length > 0) {
    const n = errors.length;
    throw new AwsError('ValidationException', `${n} validation error${n > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
  }
  return converted as T;
}
