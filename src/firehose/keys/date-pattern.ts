// The Java DateTimeFormatter patterns `!{timestamp:<pattern>}` takes
// (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html#timestamp-namespace), compiled
// once into parts so that formatting an object's key is a loop over closures.
//
// The grammar is DateTimeFormatterBuilder.appendPattern's (Java 17): ASCII letters are pattern
// letters, `'...'` is a literal (`''` is a quote), `[` `]` open and close optional sections (all
// fields are present when formatting, so their content always prints), `#` `{` `}` are reserved,
// everything else is literal. The letters Firehose rejects are exactly the letters java.time does
// not know (C I J P R T U b f i j l o r t) plus a single `V` or `p`, measured on AWS over all 52
// ASCII letters (a cdk_preflight rule set quoting the service, 2026-09-10), so the service runs
// java.time on Java 17 or later (`B` and `g` are accepted). Text is English (Locale.US): AWS's
// JVM locale is not documented [INF]; week fields use Locale.US's weeks (Sunday first, one day
// minimum) for the same reason.
import type { ZonedTime } from './zone-time.js';
import { epochDayOf } from './zone-time.js';

/** A pattern Java rejects (`invalid`), or one it accepts that Riffle cannot evaluate (`unsupported`). */
export class DatePatternError extends Error {
  constructor(readonly reason: 'invalid' | 'unsupported', message: string) {
    super(message);
    this.name = 'DatePatternError';
  }
}

type Part = string | ((t: ZonedTime) => string);

export interface DatePattern {
  readonly source: string;
  format(t: ZonedTime): string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const QUARTERS = ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'];
const ERAS = [['BC', 'Before Christ', 'B'], ['AD', 'Anno Domini', 'A']] as const;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const invalid = (message: string): never => {
  throw new DatePatternError('invalid', message);
};
const tooMany = (letter: string): never => invalid(`Too many pattern letters: ${letter}`);

/** A text field: 1-3 letters short, 4 full, 5 narrow, as Java's TextStyle. */
function text(letter: string, count: number, full: (t: ZonedTime) => string, short?: (t: ZonedTime) => string): Part {
  if (count > 5) tooMany(letter);
  if (count === 4) return full;
  if (count === 5) return (t) => full(t).charAt(0);
  return short ?? ((t) => full(t).slice(0, 3));
}

/**
 * appendValue: at least `count` digits. Years of 4 or more letters are EXCEEDS_PAD (a wider value
 * gets a `+`). Java fails to format a fixed-width field (`AA`, `nn`) whose value is wider; Riffle
 * prints it whole rather than fail a delivery.
 */
function number(count: number, get: (t: ZonedTime) => number, exceedsPad = false): Part {
  if (count > 19) invalid(`The minimum width must be from 1 to 19 inclusive but was ${count}`);
  return (t) => {
    const v = get(t);
    const s = pad(Math.abs(v), count);
    return v < 0 ? `-${s}` : exceedsPad && count >= 4 && s.length > count ? `+${s}` : s;
  };
}

/** Years: `yy` is the reduced two-digit year (base 2000), anything else at least `count` digits. */
function year(count: number, get: (t: ZonedTime) => number): Part {
  return count === 2 ? (t) => pad(Math.abs(get(t)) % 100, 2) : number(count, get, true);
}

/** 1 or 2 letters: the value, or the value in exactly two digits. */
function twoDigits(letter: string, count: number, get: (t: ZonedTime) => number): Part {
  if (count > 2) tooMany(letter);
  return count === 1 ? (t) => String(get(t)) : (t) => pad(get(t), 2);
}

/** Locale.US day-of-week number: Sunday 1 ... Saturday 7. */
const usDayOfWeek = (t: ZonedTime): number => (t.dayOfWeek % 7) + 1;

/** Locale.US week-based year and week (weeks start Sunday; week 1 holds January 1st). */
function usWeek(t: ZonedTime): { year: number; week: number } {
  const saturday = t.epochDay - (usDayOfWeek(t) - 1) + 6;
  const y = new Date(saturday * 86_400_000).getUTCFullYear();
  const jan1 = epochDayOf(y, 1, 1);
  const firstSunday = jan1 - (((((jan1 + 3) % 7) + 7) % 7) + 1) % 7;
  return { year: y, week: Math.floor((saturday - 6 - firstSunday) / 7) + 1 };
}

/** An offset as Java's appendOffset patterns print it (+HH, +HHmm, +HHMM, +HH:mm, +HH:MM, +HHMMss, +HH:MM:ss). */
function offset(pattern: string, zeroText: string): (t: ZonedTime) => string {
  const colon = pattern.includes(':') ? ':' : '';
  const minutes = pattern.length > 3; // +HH prints the hour alone
  const minutesOptional = pattern.includes('mm');
  const seconds = pattern.endsWith('ss') || pattern.endsWith('SS');
  return (t) => {
    const total = t.offsetSeconds;
    if (total === 0) return zeroText;
    const abs = Math.abs(total);
    const h = Math.floor(abs / 3600), m = Math.floor(abs / 60) % 60, s = abs % 60;
    let out = (total < 0 ? '-' : '+') + pad(h, 2);
    if (minutes && (!minutesOptional || m !== 0 || s !== 0)) out += colon + pad(m, 2);
    if (seconds && s !== 0) out += colon + pad(s, 2);
    return out;
  };
}

/** Java's localized offset: `GMT`, then `-8` (short) or `-08:00` (full); seconds only when non-zero. */
function gmtOffset(full: boolean): (t: ZonedTime) => string {
  return (t) => {
    const total = t.offsetSeconds;
    if (total === 0) return 'GMT';
    const abs = Math.abs(total);
    const h = Math.floor(abs / 3600), m = Math.floor(abs / 60) % 60, s = abs % 60;
    let out = `GMT${total < 0 ? '-' : '+'}${full ? pad(h, 2) : h}`;
    if (full || m !== 0 || s !== 0) out += `:${pad(m, 2)}`;
    if (s !== 0) out += `:${pad(s, 2)}`;
    return out;
  };
}

const OFFSET_PATTERNS = ['+HH', '+HHmm', '+HH:mm', '+HHMM', '+HH:MM', '+HHMMss', '+HH:MM:ss'];
const unsupported = (letter: string, what: string): never => {
  throw new DatePatternError('unsupported', `Riffle does not support pattern letter '${letter}' (${what})`);
};

/** One run of a pattern letter, as DateTimeFormatterBuilder.parseField and its special cases. */
function field(letter: string, count: number): Part {
  switch (letter) {
    case 'G': return text(letter, count, (t) => ERAS[t.year > 0 ? 1 : 0][1], (t) => ERAS[t.year > 0 ? 1 : 0][0]);
    case 'y': return year(count, (t) => (t.year > 0 ? t.year : 1 - t.year));
    case 'u': return year(count, (t) => t.year);
    case 'Y': return year(count, (t) => usWeek(t).year);
    case 'Q': case 'q':
      if (count === 3) return (t) => `Q${Math.ceil(t.month / 3)}`;
      return count <= 2 ? twoDigits(letter, count, (t) => Math.ceil(t.month / 3)) : text(letter, count, (t) => QUARTERS[Math.ceil(t.month / 3) - 1]!, undefined);
    case 'M': case 'L':
      return count <= 2 ? twoDigits(letter, count, (t) => t.month) : text(letter, count, (t) => MONTHS[t.month - 1]!);
    case 'E': return text(letter, count, (t) => DAYS[t.dayOfWeek - 1]!);
    case 'c': case 'e': // c is e's stand-alone form, the same in English
      if (letter === 'c' && count === 2) invalid('Invalid pattern "cc"');
      return count <= 2 ? twoDigits(letter, count, usDayOfWeek) : text(letter, count, (t) => DAYS[t.dayOfWeek - 1]!);
    case 'w': return twoDigits(letter, count, (t) => usWeek(t).week);
    case 'W':
      if (count > 1) tooMany(letter);
      return (t) => String(Math.floor((t.day - 1 + ((usDayOfWeek(t) - t.day) % 7 + 7) % 7) / 7) + 1);
    case 'd': return twoDigits(letter, count, (t) => t.day);
    case 'D':
      if (count > 3) tooMany(letter);
      return (t) => pad(t.dayOfYear, count);
    case 'a':
      if (count > 1) tooMany(letter);
      return (t) => (t.hour < 12 ? 'AM' : 'PM');
    case 'H': return twoDigits(letter, count, (t) => t.hour);
    case 'k': return twoDigits(letter, count, (t) => (t.hour === 0 ? 24 : t.hour));
    case 'K': return twoDigits(letter, count, (t) => t.hour % 12);
    case 'h': return twoDigits(letter, count, (t) => (t.hour % 12 === 0 ? 12 : t.hour % 12));
    case 'm': return twoDigits(letter, count, (t) => t.minute);
    case 's': return twoDigits(letter, count, (t) => t.second);
    case 'S':
      if (count > 9) invalid(`Minimum width must be from 0 to 9 inclusive but was ${count}`);
      return (t) => pad(t.millisecond, 3).padEnd(9, '0').slice(0, count);
    case 'A': return number(count, (t) => ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millisecond);
    case 'n': return number(count, (t) => t.millisecond * 1_000_000);
    case 'N': return number(count, (t) => (((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millisecond) * 1_000_000);
    case 'g': return number(count, (t) => t.epochDay + 40_587); // modified Julian day
    case 'V':
      if (count !== 2) invalid('Pattern letter count must be 2: V');
      return (t) => t.zone;
    case 'O':
      if (count !== 1 && count !== 4) invalid('Pattern letter count must be 1 or 4: O');
      return gmtOffset(count === 4);
    case 'X': case 'x':
      if (count > 5) tooMany(letter);
      return offset(OFFSET_PATTERNS[count === 1 ? 1 : count + 1]!, letter === 'X' ? 'Z' : count === 1 ? '+00' : count % 2 === 0 ? '+0000' : '+00:00');
    case 'Z':
      if (count > 5) tooMany(letter);
      return count < 4 ? offset('+HHMM', '+0000') : count === 4 ? gmtOffset(true) : offset('+HH:MM:ss', 'Z');
    case 'z': return count > 4 ? tooMany(letter) : unsupported(letter, 'time-zone name');
    case 'v': return count !== 1 && count !== 4 ? invalid('Wrong number of pattern letters: v') : unsupported(letter, 'generic time-zone name');
    case 'B': return count !== 1 && count !== 4 && count !== 5 ? invalid('Wrong number of pattern letters: B') : unsupported(letter, 'day period');
    case 'F': return count > 1 ? tooMany(letter) : unsupported(letter, 'aligned week of month');
    default: return invalid(`Unknown pattern letter: ${letter}`);
  }
}

const isLetter = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/** Compiles a DateTimeFormatter pattern; throws DatePatternError where Java's ofPattern would throw, or Riffle cannot follow. */
export function compileDatePattern(pattern: string): DatePattern {
  const parts: Part[] = [];
  const literal = (s: string): void => {
    const prev = parts[parts.length - 1];
    if (typeof prev === 'string') parts[parts.length - 1] = prev + s;
    else parts.push(s);
  };
  let optionalDepth = 0;
  let pos = 0;
  while (pos < pattern.length) {
    let cur = pattern[pos]!;
    if (isLetter(cur)) {
      let start = pos;
      while (pos < pattern.length && pattern[pos] === cur) pos++;
      let count = pos - start;
      if (cur === 'p') {
        const next = pattern[pos];
        if (next === undefined || !isLetter(next)) invalid(`Pad letter 'p' must be followed by valid pad pattern: ${pattern}`);
        cur = next!;
        start = pos;
        while (pos < pattern.length && pattern[pos] === cur) pos++;
        count = pos - start;
        field(cur, count); // Java rejects the padded field's own errors first
        unsupported('p', 'pad');
      }
      parts.push(field(cur, count));
    } else if (cur === "'") {
      const start = pos++;
      for (; pos < pattern.length; pos++) {
        if (pattern[pos] === "'") {
          if (pattern[pos + 1] === "'") pos++;
          else break;
        }
      }
      if (pos >= pattern.length) invalid(`Pattern ends with an incomplete string literal: ${pattern}`);
      const str = pattern.slice(start + 1, pos);
      literal(str === '' ? "'" : str.replaceAll("''", "'"));
      pos++;
    } else if (cur === '[') {
      optionalDepth++;
      pos++;
    } else if (cur === ']') {
      if (optionalDepth === 0) invalid('Pattern invalid as it contains ] without previous [');
      optionalDepth--;
      pos++;
    } else if (cur === '{' || cur === '}' || cur === '#') {
      invalid(`Pattern includes reserved character: '${cur}'`);
    } else {
      literal(cur);
      pos++;
    }
  }
  return {
    source: pattern,
    format(t: ZonedTime): string {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : p(t);
      return out;
    },
  };
}
