// The wall-clock fields of an instant in a time zone, which is all a Firehose key needs from a
// zone: the S3 prefix and the object-name suffix are both evaluated in CustomTimeZone (UTC by
// default), https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html.
//
// Node has no zone arithmetic of its own beyond Intl, so a zone's offset is read from one
// Intl.DateTimeFormat per zone (built once, cached) and every other field is plain arithmetic on
// the wall clock. UTC skips Intl entirely.

export interface ZonedTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  /** Days since 1970-01-01 of the wall-clock date. */
  readonly epochDay: number;
  /** ISO: Monday 1 ... Sunday 7. */
  readonly dayOfWeek: number;
  /** 1-366 */
  readonly dayOfYear: number;
  /** Wall clock minus UTC, in seconds. */
  readonly offsetSeconds: number;
  /** The zone as configured (what Java's ZoneId prints for `VV`). */
  readonly zone: string;
}

const DAY_MS = 86_400_000;

/** One formatter per zone. The map is bounded by the zones Intl knows (about 600). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Whether Intl can evaluate times in `zone`, spelled as the IANA database spells it: Intl takes
 * any case (`asia/tokyo`), Java's ZoneId.of does not. A link (`US/Pacific`) resolves to another
 * name; its case is held to the database's shape only (each segment capitalised).
 */
export function isKnownTimeZone(zone: string): boolean {
  let resolved: string;
  try {
    resolved = formatter(zone).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  if (resolved === zone) return true;
  return resolved.toLowerCase() !== zone.toLowerCase() && /^[A-Z][A-Za-z_]*(?:\/[A-Z][A-Za-z_]*)*$/.test(zone);
}

/** Days since the epoch of a proleptic Gregorian date. */
export function epochDayOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

function fromWallClock(wallMs: number, offsetSeconds: number, zone: string): ZonedTime {
  const d = new Date(wallMs);
  const year = d.getUTCFullYear();
  const epochDay = Math.floor(wallMs / DAY_MS);
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    epochDay,
    dayOfWeek: ((((epochDay + 3) % 7) + 7) % 7) + 1, // 1970-01-01 was a Thursday (4)
    dayOfYear: epochDay - epochDayOf(year, 1, 1) + 1,
    offsetSeconds,
    zone,
  };
}

/** The last instant each zone was asked for: one object's prefix and suffix share an instant. */
const last = new Map<string, ZonedTime & { readonly at: number }>();

/**
 * The fields of `timestampMs` on the wall clock of `zone`. Throws RangeError for a zone Intl does
 * not know: zones are checked when a stream is configured (checkTimeZone), not per object.
 */
export function zonedTime(timestampMs: number, zone: string): ZonedTime {
  const cached = last.get(zone);
  if (cached !== undefined && cached.at === timestampMs) return cached;
  let t: ZonedTime;
  if (zone === 'UTC') {
    t = fromWallClock(timestampMs, 0, zone);
  } else {
    const ms = ((timestampMs % 1000) + 1000) % 1000;
    const wholeSecondMs = timestampMs - ms;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of formatter(zone).formatToParts(wholeSecondMs)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    const wallSecondMs = Date.UTC(y, mo - 1, d, h, mi, s);
    t = fromWallClock(wallSecondMs + ms, (wallSecondMs - wholeSecondMs) / 1000, zone);
  }
  last.set(zone, { ...t, at: timestampMs });
  return t;
}
