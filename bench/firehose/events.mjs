// Clickstream events for the Firehose benchmark: JSON lines of exactly `bytes` bytes (newline
// included), made by a seeded generator so every run sends the same data. Each event starts with
// `{"seq":"<12 digits>",` so a record can be found again in a delivered object by its sequence
// number: byte SEQ_AT is where the digits start, SEQ_DIGITS of them.
//
// The fields are what a web clickstream carries (event and session ids, ISO timestamps, URLs with
// query strings, user agents, referrers, IPs, geo, a few properties), drawn from small pools as
// real traffic repeats itself, plus random ids: it compresses about as much as real data does
// (gzip about 4–5×), neither all-random nor all-repeated.

import { prng } from 'riffle/internal';

export const SEQ_AT = 8;
export const SEQ_DIGITS = 12;
const HEAD = '{"seq":"';

/** mulberry32, seeded: the one src/cli/key-dist.ts has. */
export { prng };

const PAGES = ['/', '/search', '/cart', '/checkout', '/checkout/payment', '/account', '/account/orders', '/help/shipping', '/deals', '/blog/spring-collection'];
const CATEGORIES = ['shoes', 'jackets', 'bags', 'watches', 'outdoor', 'kitchen', 'toys', 'books', 'garden', 'audio', 'phones', 'laptops'];
const REFERRERS = ['https://www.google.com/', 'https://www.bing.com/search?q=shop', 'https://duckduckgo.com/', 'https://t.co/', 'https://www.facebook.com/', 'https://news.ycombinator.com/', ''];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
];
const TYPES = ['page_view', 'page_view', 'page_view', 'product_view', 'add_to_cart', 'search', 'click', 'scroll', 'purchase'];
const COUNTRIES = [['DE', 'Berlin'], ['DE', 'Munich'], ['US', 'Seattle'], ['US', 'Austin'], ['GB', 'London'], ['FR', 'Paris'], ['JP', 'Osaka'], ['BR', 'São Paulo'], ['IN', 'Pune'], ['NL', 'Utrecht']];
const WORDS = 'red blue green large small wool leather waterproof vintage classic slim wide soft light dark summer winter sale new gift'.split(' ');

/**
 * `count` distinct events of exactly `bytes` bytes each (UTF-8, newline-terminated), seq digits
 * zero; `bytes` at least 400. Same seed, same events.
 */
export function makeCorpus(count, bytes, seed = 1) {
  if (bytes < 400) throw new RangeError(`clickstream events need at least 400 bytes, got ${bytes}`);
  const rand = prng(seed);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
  const t0 = Date.UTC(2026, 2, 14, 9, 0, 0);
  const sessions = Array.from({ length: 64 }, () => ({ id: uuid(), user: `u-${Math.floor(rand() * 900000) + 100000}`, ua: pick(AGENTS), geo: pick(COUNTRIES), ip: `${Math.floor(rand() * 223) + 1}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}` }));
  const out = [];
  for (let i = 0; i < count; i++) {
    const s = pick(sessions);
    const type = pick(TYPES);
    const cat = pick(CATEGORIES);
    const product = `${cat}-${Math.floor(rand() * 5000)}`;
    const page = type === 'product_view' || type === 'add_to_cart' ? `/p/${cat}/${product}` : pick(PAGES);
    const event = {
      seq: '0'.repeat(SEQ_DIGITS),
      event_id: uuid(),
      type,
      ts: new Date(t0 + i * 37 + Math.floor(rand() * 30)).toISOString(),
      user_id: s.user,
      session_id: s.id,
      url: `https://shop.example.com${page}?utm_source=${pick(['google', 'newsletter', 'facebook', 'direct'])}&utm_campaign=${pick(WORDS)}-${pick(WORDS)}&ref=${hex(6)}`,
      referrer: pick(REFERRERS),
      user_agent: s.ua,
      ip: s.ip,
      geo: { country: s.geo[0], city: s.geo[1] },
      device: { screen: pick(['1920x1080', '2560x1440', '390x844', '412x915', '1440x900']), lang: pick(['de-DE', 'en-US', 'en-GB', 'fr-FR', 'ja-JP']), tz_offset: pick([-480, -300, 0, 60, 120, 540]) },
      props: { category: cat, product_id: product, price_cents: Math.floor(rand() * 50000), qty: 1 + Math.floor(rand() * 3), query: type === 'search' ? `${pick(WORDS)} ${pick(WORDS)} ${cat}` : null, position: Math.floor(rand() * 40) },
      ab: { checkout_v2: rand() < 0.5, reco_model: pick(['baseline', 'two-tower', 'popular']) },
      note: '',
    };
    // Pad with a free-text note (words and numbers, ASCII) so the line is exactly `bytes` long.
    const room = bytes - 1 - Buffer.byteLength(JSON.stringify(event));
    let note = '';
    while (note.length < room) note += (note === '' ? '' : ' ') + (rand() < 0.7 ? pick(WORDS) : String(Math.floor(rand() * 100000)));
    event.note = note.slice(0, Math.max(0, room));
    const text = JSON.stringify(event);
    const line = Buffer.from(`${text}\n`);
    if (line.length !== bytes) throw new Error(`event ${i}: ${line.length} bytes, not ${bytes} (the fixed fields are longer)`);
    if (line.toString('latin1', 0, SEQ_AT) !== HEAD) throw new Error('event does not start with its seq');
    out.push(line);
  }
  return out;
}

/** Writes `seq` as the zero-padded digits of the record that starts at `at` in `buf`. */
export function stampSeq(buf, at, seq) {
  const digits = String(seq).padStart(SEQ_DIGITS, '0');
  buf.write(digits, at + SEQ_AT, SEQ_DIGITS, 'latin1');
}

/** The seq of the record that starts at `at`, or -1 when the bytes there are not one of these events. */
export function readSeq(buf, at) {
  for (let i = 0; i < SEQ_AT; i++) if (buf[at + i] !== HEAD.charCodeAt(i)) return -1;
  let n = 0;
  for (let i = 0; i < SEQ_DIGITS; i++) {
    const c = buf[at + SEQ_AT + i] - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
