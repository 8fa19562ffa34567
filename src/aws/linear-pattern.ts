/**
 * AWS service-model patterns matched in linear time. JavaScript's RegExp backtracks: a pattern
 * such as `arn:aws.*:kinesis:.*:\d{12}:stream/\S+` takes time growing with the cube of the input
 * on a string made of its own pieces, so one request could stall the server for seconds. Here a
 * pattern is compiled once to a Thompson NFA and run as a set of states (Pike VM without
 * captures): O(input × pattern), whatever the input.
 *
 * The syntax is what the models use: literals and escapes, `.`, classes `[...]` (ranges, negation,
 * `\d \w \s \S \D \W` and `\p{..}` inside or outside), groups `(...)` and `(?:...)`, alternation,
 * the quantifiers `* + ? {n} {n,} {n,m}`, the anchors `^ $`, and a negative lookahead `(?!...)` at
 * the start (Firehose's tag patterns, `^(?!\s*$).+`). The whole string must match, as Coral
 * matches a member's pattern. Anything else is refused when the pattern is compiled.
 */

type Pred = (c: string) => boolean;

type Node =
  | { k: 'char'; p: Pred }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; alts: Node[] }
  | { k: 'rep'; node: Node; min: number; max: number }
  | { k: 'bol' }
  | { k: 'eol' };

/** Copies of a repeated piece at most (`\d{0,128}` is the largest the models have). */
const MAX_REPEAT = 1000;

const LINE_TERMINATORS = new Set(['\n', '\r', '\u2028', '\u2029']);
const isSpace = (c: string): boolean => /\s/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWord = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
  ) {}

  parse(): { node: Node; lookahead: Node | null } {
    let lookahead: Node | null = null;
    // ^(?!X) at the very start: X must not match a prefix of the input.
    const lead = /^\^?\(\?!/.exec(this.src);
    if (lead !== null) {
      this.i = lead[0].length;
      lookahead = this.alternation();
      this.expect(')');
      if (lead[0].startsWith('^')) lookahead = { k: 'seq', items: [{ k: 'bol' }, lookahead] };
    }
    const node = this.alternation();
    if (this.i !== this.src.length) throw this.error('unexpected )');
    return { node, lookahead };
  }

  private error(what: string): Error {
    return new Error(`pattern ${JSON.stringify(this.src)}: ${what} at ${this.i}`);
  }

  private expect(c: string): void {
    if (this.src[this.i] !== c) throw this.error(`expected ${c}`);
    this.i++;
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? (alts[0] as Node) : { k: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') items.push(this.quantified(this.atom()));
    return { k: 'seq', items };
  }

  private quantified(node: Node): Node {
    const c = this.src[this.i];
    if (c === '*') return this.i++, { k: 'rep', node, min: 0, max: Infinity };
    if (c === '+') return this.i++, { k: 'rep', node, min: 1, max: Infinity };
    if (c === '?') return this.i++, { k: 'rep', node, min: 0, max: 1 };
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) throw this.error('bad {}');
      this.i += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > max || min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw this.error('repeat too large');
      return { k: 'rep', node, min, max };
    }
    return node;
  }

  private atom(): Node {
    const c = this.src[this.i++] as string;
    if (c === '(') {
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.src[this.i] === '?') throw this.error('only (?:) groups and a leading (?!) are supported');
      const inner = this.alternation();
      this.expect(')');
      return inner;
    }
    if (c === '[') return { k: 'char', p: this.charClass() };
    if (c === '.') return { k: 'char', p: (ch) => !LINE_TERMINATORS.has(ch) };
    if (c === '^') return { k: 'bol' };
    if (c === '$') return { k: 'eol' };
    if (c === '\\') return { k: 'char', p: this.escape() };
    if ('*+?{'.includes(c)) throw this.error('nothing to repeat');
    return { k: 'char', p: (ch) => ch === c };
  }

  /** After a backslash: a class escape, a \p{...} property, or a literal. */
  private escape(): Pred {
    const c = this.src[this.i++] as string;
    switch (c) {
      case 'd':
        return isDigit;
      case 'D':
        return (ch) => !isDigit(ch);
      case 'w':
        return isWord;
      case 'W':
        return (ch) => !isWord(ch);
      case 's':
        return isSpace;
      case 'S':
        return (ch) => !isSpace(ch);
      case 'p':
      case 'P': {
        const m = /^\{[A-Za-z_]+\}/.exec(this.src.slice(this.i));
        if (m === null || !this.unicode) throw this.error('bad \\p');
        this.i += m[0].length;
        const re = new RegExp(`^\\${c}${m[0]}$`, 'u'); // one character at a time: constant work
        return (ch) => re.test(ch);
      }
      case 'n':
        return (ch) => ch === '\n';
      case 't':
        return (ch) => ch === '\t';
      default:
        if (/[A-Za-z0-9]/.test(c)) throw this.error(`unsupported escape \\${c}`);
        return (ch) => ch === c;
    }
  }

  private charClass(): Pred {
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    const parts: Pred[] = [];
    let first = true;
    while (this.src[this.i] !== ']' || first) {
      first = false;
      if (this.i >= this.src.length) throw this.error('unterminated [');
      let lo: string;
      if (this.src[this.i] === '\\') {
        this.i++;
        const e = this.src[this.i] as string;
        if ('dDwWsSpP'.includes(e)) {
          parts.push(this.escape());
          continue;
        }
        this.i++;
        lo = e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else {
        lo = this.char();
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        let hi: string;
        if (this.src[this.i] === '\\') {
          this.i++;
          hi = this.src[this.i++] as string;
        } else hi = this.char();
        if (hi < lo) throw this.error('bad range');
        parts.push((ch) => ch >= lo && ch <= hi);
      } else {
        const single = lo;
        parts.push((ch) => ch === single);
      }
    }
    this.i++; // ]
    return negate ? (ch) => !parts.some((p) => p(ch)) : (ch) => parts.some((p) => p(ch));
  }

  /** One character of the pattern (a code point in unicode mode). */
  private char(): string {
    const cp = this.unicode ? (this.src.codePointAt(this.i) as number) : this.src.charCodeAt(this.i);
    const ch = this.unicode ? String.fromCodePoint(cp) : this.src[this.i] as string;
    this.i += ch.length;
    return ch;
  }
}

// ---- the NFA -------------------------------------------------------------------------------

type State =
  | { t: 'char'; p: Pred; out: number }
  | { t: 'split'; a: number; b: number }
  | { t: 'bol'; out: number }
  | { t: 'eol'; out: number }
  | { t: 'match' };

class Compiler {
  readonly states: State[] = [];

  /** Compiles `node` to states entering at the returned index and leaving to `next`. */
  build(node: Node, next: number): number {
    switch (node.k) {
      case 'char':
        return this.add({ t: 'char', p: node.p, out: next });
      case 'bol':
        return this.add({ t: 'bol', out: next });
      case 'eol':
        return this.add({ t: 'eol', out: next });
      case 'seq': {
        let at = next;
        for (let i = node.items.length - 1; i >= 0; i--) at = this.build(node.items[i] as Node, at);
        return at;
      }
      case 'alt': {
        const starts = node.alts.map((a) => this.build(a, next));
        let at = starts[starts.length - 1] as number;
        for (let i = starts.length - 2; i >= 0; i--) at = this.add({ t: 'split', a: starts[i] as number, b: at });
        return at;
      }
      case 'rep': {
        let at = next;
        if (node.max === Infinity) {
          // x*: a split that loops through x back to itself.
          const loop = this.add({ t: 'split', a: -1, b: next });
          (this.states[loop] as { a: number }).a = this.build(node.node, loop);
          at = loop;
        } else {
          // x{0,k}: k chained copies, each of which may be skipped to the end.
          for (let i = node.min; i < node.max; i++) at = this.add({ t: 'split', a: this.build(node.node, at), b: next });
        }
        for (let i = 0; i < node.min; i++) at = this.build(node.node, at);
        return at;
      }
    }
  }

  add(s: State): number {
    this.states.push(s);
    return this.states.length - 1;
  }
}

export class LinearPattern {
  private readonly states: State[];
  private readonly start: number;
  private readonly ahead: LinearPattern | null;

  constructor(
    readonly source: string,
    private readonly unicode = source.includes('\\p{'),
    private readonly prefixOnly = false,
    parsed?: Node,
  ) {
    const p = parsed === undefined ? new Parser(source, unicode).parse() : { node: parsed, lookahead: null };
    const c = new Compiler();
    const match = c.add({ t: 'match' });
    this.start = c.build(p.node, match);
    this.states = c.states;
    this.ahead = p.lookahead === null ? null : new LinearPattern(source, unicode, true, p.lookahead);
  }

  /** Whether the whole of `s` matches (or, for a lookahead, some prefix of it). */
  test(s: string): boolean {
    if (this.ahead !== null && this.ahead.test(s)) return false;
    const chars = this.unicode ? Array.from(s) : null;
    const len = chars === null ? s.length : chars.length;
    let current = this.closure([this.start], 0, len);
    for (let pos = 0; pos < len; pos++) {
      if (this.prefixOnly && current.has(-1)) return true;
      const ch = chars === null ? (s[pos] as string) : (chars[pos] as string);
      const next: number[] = [];
      for (const i of current) {
        const st = i >= 0 ? this.states[i] : undefined;
        if (st !== undefined && st.t === 'char' && st.p(ch)) next.push(st.out);
      }
      if (next.length === 0) return false;
      current = this.closure(next, pos + 1, len);
    }
    return current.has(-1);
  }

  /** The states reachable from `from` without reading a character; -1 stands for the match. */
  private closure(from: number[], pos: number, len: number): Set<number> {
    const out = new Set<number>();
    const seen = new Set<number>();
    const stack = [...from];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      if (seen.has(i)) continue;
      seen.add(i);
      const st = this.states[i] as State;
      if (st.t === 'match') out.add(-1);
      else if (st.t === 'split') stack.push(st.a, st.b);
      else if (st.t === 'bol') {
        if (pos === 0) stack.push(st.out);
      } else if (st.t === 'eol') {
        if (pos === len) stack.push(st.out);
      } else out.add(i);
    }
    return out;
  }
}
