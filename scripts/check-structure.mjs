#!/usr/bin/env node
// Structure checker (in the spirit of TigerBeetle's tidy.zig): `node scripts/check-structure.mjs [srcDir]`.
// It reads the imports of every src/**/*.ts and enforces the layout, so the shape of the code stays
// what the docs say it is without anyone having to remember:
// - Layers: imports go down (cli/index → server/observe → services → fanout → engine → shard → log →
//   ring/native), so each layer can be read, tested and replaced knowing only what is below it.
// - Services (kinesis/, firehose/, ...) never import each other: what they share lives in aws/,
//   which imports only the shared leaves, so adding a service never means untangling another.
// - config.ts, limits.ts and sigv4-core.ts are shared leaves: anything may import them, they import nothing.
// - client/ (producers for users and benchmarks) stands alone and only the entry points use it,
//   so the server never depends on its own clients and clients never drag in the server.
// - Every file sits in a layer of the map below; a new top-level folder is a decision, not an accident.
// - No import cycles (type-only imports count): a cycle makes two files one unit in disguise.
// - Files stay under MAX_LINES unless LONG_FILES says why; stale entries are errors so the list stays true.
// - Code that runs in worker threads (shard/owner/) and the main thread's side (shard/pool/) never
//   import each other: a worker must not load main-thread modules, nor the main thread a worker's.
// - Only src/native/index.ts loads the native addon, so there is one place that knows how it is found.
// - src/ holds only .ts files and never imports its own package by name ('riffle'), which would
//   slip past every rule; test/ and bench/ use the package ('riffle', 'riffle/internal'), never a
//   path into dist/, so moving a file in src/ breaks nothing outside it.
// - <service>/operations/ holds one kebab-case file per AWS operation and operations never import
//   each other: what they share sits next to operations/, where it can be found.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The AWS service folders (layer 2). Adding a service is one entry here. */
export const SERVICES = ['kinesis', 'firehose', 's3'];

/** src-relative path → one line saying why the file is long. Only files over MAX_LINES belong here. */
export const LONG_FILES = {
  'config.ts': 'the one table of every option (kind, range, env var, help) with the conversions and checks the CLI and Riffle.start share; split, the table and its checks would drift apart',
  'log/file-log.ts': "one class, the durable log's state (staged appends, commit and roll, disk reads through the index, the retention horizon), whose parts change together; recovery is apart in recovery.ts",
};

export const MAX_LINES = 400;

/** The layers, top (0) to bottom; an entry is a folder ('x/') or a file directly in src/. */
const LAYERS = [
  ['cli/', 'index.ts', 'internal.ts'], // 0: the public and internal entry points
  ['server/', 'observe/'], // 1: transports; metrics, health and the dashboard (they read the services and the engine)
  SERVICES.map((s) => `${s}/`), // 2: services
  ['fanout/'], // 3
  ['engine/'], // 4
  ['shard/'], // 5
  ['log/'], // 6
  ['ring/', 'native/'], // 7: leaves
];
const CHAIN = 'cli/index → server/observe → services → fanout → engine → shard → log → ring/native';
// Importable from anywhere, import nothing. sigv4-core.ts: SigV4's canonical request, string to sign
// and signature, which the server's verifier (aws/) and the Producer's signer (client/) must compute
// the same way; client/ may not import aws/, so the one copy sits here rather than two drifting apart.
const SHARED_LEAVES = ['config.ts', 'limits.ts', 'sigv4-core.ts'];
/** 'config.ts, limits.ts and sigv4-core.ts', for the messages. */
const LEAF_LIST = `${SHARED_LEAVES.slice(0, -1).join(', ')} and ${SHARED_LEAVES.at(-1)}`;
const AWS = 'aws/'; // shared by the services; importable by layers 0..AWS_MAX_RANK
const AWS_MAX_RANK = 5;
const CLIENT = 'client/'; // a separate top: imports only the shared leaves; only layer 0 imports it
const NATIVE_LOADER = 'native/index.ts';
/** Folders whose code runs on different threads: neither imports the other; what both need sits beside them. */
const THREAD_SPLITS = [['shard/pool/', 'shard/owner/']];
const SCRIPT = 'scripts/check-structure.mjs';
/** This package's own name: test/ and bench/ import it (and 'riffle/internal'); src/ never does. */
const PACKAGE = 'riffle';
const REPO_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Where a src-relative file sits: { key, kind: 'layer' | 'leaf' | 'aws' | 'client', rank }, or null. */
function place(rel) {
  const key = rel.includes('/') ? rel.slice(0, rel.indexOf('/') + 1) : rel;
  if (SHARED_LEAVES.includes(key)) return { key, kind: 'leaf' };
  if (key === AWS) return { key, kind: 'aws' };
  if (key === CLIENT) return { key, kind: 'client' };
  const rank = LAYERS.findIndex((keys) => keys.includes(key));
  return rank < 0 ? null : { key, kind: 'layer', rank };
}

/** Why `a` may not import `b` (both placed), or null if it may. */
function layerRule(a, b) {
  if (a.key === b.key) return null;
  if (a.kind === 'leaf') return `${a.key} is a shared leaf: it imports nothing from src, so every folder can import it`;
  if (b.kind === 'leaf') return null;
  if (a.kind === 'client') return `client/ may import only ${LEAF_LIST}, so users and benchmarks get it without the server`;
  if (b.kind === 'client') return a.rank === 0 ? null : `${a.key} may not import client/: only cli/, index.ts and internal.ts use the clients`;
  if (a.kind === 'aws') return `aws/ may import only ${LEAF_LIST} (it is shared by every service); move what it needs into aws/`;
  if (b.kind === 'aws') {
    return a.rank <= AWS_MAX_RANK ? null : `${a.key} (layer ${a.rank}) may not import aws/: only layers 0-${AWS_MAX_RANK} (cli/index down to shard) use AWS code`;
  }
  if (a.rank > b.rank) return `${a.key} (layer ${a.rank}) may not import ${b.key} (layer ${b.rank}); imports go down: ${CHAIN}`;
  if (a.rank < b.rank || a.rank === 0) return null;
  if (a.rank === 2) return 'services never import each other; move what they share into aws/';
  return `${a.key} and ${b.key} are both layer ${a.rank} and never import each other; move what they share below them or into config.ts/limits.ts`;
}

/** Why `rel` may not import `target` across a thread split, or null. */
function threadRule(rel, target) {
  for (const [main, worker] of THREAD_SPLITS) {
    const a = rel.startsWith(main) ? main : rel.startsWith(worker) ? worker : null;
    const b = target.startsWith(main) ? main : target.startsWith(worker) ? worker : null;
    if (a && b && a !== b) return `${main} runs on the main thread and ${worker} in the worker threads; neither imports the other (what both need sits beside them in ${path.posix.dirname(main.slice(0, -1))}/)`;
  }
  return null;
}

/** 'kinesis/operations/put-record.ts' → { service: 'kinesis', name: 'put-record.ts' }, else null. */
function operation(rel) {
  const m = /^([^/]+)\/operations\/(.+)$/.exec(rel);
  return m && SERVICES.includes(m[1]) ? { service: m[1], name: m[2] } : null;
}

// Tokens: { t: 'id' | 'str' | 'tpl' | 're' | 'p', v, line }. Comments are dropped; strings
// and templates are single tokens, so nothing inside them can look like an import. A template with
// no ${} becomes a 'str' (so import(`./x.js`) counts); code inside ${} is lexed as code.
const BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
const WORD = /[\w$\u0080-\uffff]+/y; // identifiers, keywords and numbers (a number is never a keyword)

function lex(text) {
  const toks = [];
  const braces = []; // one per open '{' or '${': 'code' or 'tpl'
  const n = text.length;
  let i = 0;
  let line = 1;
  const regexAllowed = (prev) =>
    !prev || (prev.t === 'id' ? BEFORE_EXPRESSION.has(prev.v) : prev.t === 'p' && !')]}'.includes(prev.v));
  while (i < n) {
    const c = text[i];
    const start = line;
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && text[i + 1] === '/') { i = text.indexOf('\n', i); if (i < 0) i = n; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === '\n') line++;
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < n && text[j] !== c && text[j] !== '\n') {
        if (text[j] === '\\') { if (text[j + 1] === '\n') line++; v += text[j + 1] ?? ''; j += 2; } else v += text[j++];
      }
      toks.push({ t: 'str', v, line: start });
      i = j + 1;
      continue;
    }
    if (c === '`' || (c === '}' && braces.at(-1) === 'tpl')) {
      if (c === '}') braces.pop();
      let j = i + 1;
      let v = '';
      while (j < n && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{')) {
        if (text[j] === '\n' || (text[j] === '\\' && text[j + 1] === '\n')) line++;
        if (text[j] === '\\') { v += text[j + 1] ?? ''; j += 2; } else v += text[j++];
      }
      const whole = c === '`' && text[j] === '`';
      toks.push({ t: whole ? 'str' : 'tpl', v, line: start });
      if (text[j] === '`') i = j + 1;
      else { braces.push('tpl'); i = j + 2; }
      continue;
    }
    if (c === '/' && regexAllowed(toks.at(-1))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n' && (inClass || text[j] !== '/')) {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        j++;
      }
      if (text[j] === '/') { // a regex; else it was a division after all
        for (j++; j < n && /[a-z]/i.test(text[j]); j++);
        toks.push({ t: 're', v: '', line });
        i = j;
        continue;
      }
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text)?.[0];
    if (word) { toks.push({ t: 'id', v: word, line }); i += word.length; continue; }
    if (c === '{') braces.push('code');
    else if (c === '}') braces.pop();
    toks.push({ t: 'p', v: c, line });
    i++;
  }
  return toks;
}

/** Every module specifier a file imports: [{ spec, line }] with the line where the statement starts. */
function importsOf(toks) {
  const found = [];
  const is = (k, t, v) => toks[k] !== undefined && toks[k].t === t && (v === undefined || toks[k].v === v);
  for (let i = 0; i < toks.length; i++) {
    const { t, v, line } = toks[i];
    if (t !== 'id' || (v !== 'import' && v !== 'export') || is(i - 1, 'p', '.')) continue;
    if (v === 'import' && is(i + 1, 'p', '(')) { // import('./x.js'), also in types: typeof import('./x.js')
      if (is(i + 2, 'str')) found.push({ spec: toks[i + 2].v, line });
      continue;
    }
    if (v === 'import' && is(i + 1, 'str')) { found.push({ spec: toks[i + 1].v, line }); continue; } // import './x.js'
    const clause = v === 'import'
      ? is(i + 1, 'id') || is(i + 1, 'p', '{') || is(i + 1, 'p', '*')
      : is(i + 1, 'p', '{') || is(i + 1, 'p', '*') || (is(i + 1, 'id', 'type') && (is(i + 2, 'p', '{') || is(i + 2, 'p', '*')));
    if (!clause) continue;
    for (let j = i + 1; j < toks.length; j++) { // up to `from '...'`; `;` or a next statement ends it
      if (is(j, 'p', ';') || is(j, 'id', 'import') || is(j, 'id', 'export')) break;
      if (is(j, 'id', 'from') && is(j + 1, 'str')) { found.push({ spec: toks[j + 1].v, line }); break; }
    }
  }
  return found;
}

/** The src-relative .ts file a relative specifier names, or null. */
function resolve(fromRel, spec, known) {
  const p = path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), spec)).replace(/\/$/, '');
  if (p === '..' || p.startsWith('../')) return null; // outside src
  const candidates = p.endsWith('.js') ? [`${p.slice(0, -3)}.ts`] : p.endsWith('.ts') ? [p] : [p === '.' ? 'index.ts' : `${p}/index.ts`];
  return candidates.find((c) => known.has(c)) ?? null;
}

function walk(root, dir = '') {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(root, `${dir}${e.name}/`) : [`${dir}${e.name}`]))
    .sort();
}

/** Strongly connected components with a cycle (2+ files, or a file importing itself), Tarjan's. */
function cycles(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    for (let w = null; w !== v;) { w = stack.pop(); onStack.delete(w); scc.push(w); }
    if (scc.length > 1 || edges.get(v).has(v)) found.push(scc.sort());
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The shortest loop start → ... → start through the component's files (breadth first). */
function loop(start, members, edges) {
  const prev = new Map();
  for (const queue = [start]; queue.length > 0;) {
    const v = queue.shift();
    for (const w of [...edges.get(v)].sort()) {
      if (w === start) {
        const path = [];
        for (let u = v; u !== start; u = prev.get(u)) path.push(u);
        return [start, ...path.reverse(), start];
      }
      if (members.has(w) && !prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return [start, start];
}

/**
 * Checks the tree under srcDir. options: { longFiles (LONG_FILES for this repository's src/, else none), maxLines = MAX_LINES }.
 * Returns { files: number of .ts files, imports: number of relative imports, violations: string[] }.
 */
export function checkStructure(srcDir, options = {}) {
  const root = path.resolve(srcDir);
  // LONG_FILES names files of this repository's src/; another tree (a test's) has none by default.
  const longFiles = options.longFiles ?? (root === REPO_SRC ? LONG_FILES : {});
  const maxLines = options.maxLines ?? MAX_LINES;
  const show = (rel) => `${path.basename(root)}/${rel}`;
  const all = walk(root);
  const sources = all.filter((f) => f.endsWith('.ts'));
  const known = new Set(sources);
  const lineCounts = new Map();
  const edges = new Map(sources.map((f) => [f, new Set()]));
  const violations = [];
  let imports = 0;

  for (const rel of all) {
    const op = operation(rel);
    if (!op) continue;
    if (op.name.includes('/')) violations.push(`${show(rel)}: ${op.service}/operations/ holds one file per AWS operation directly in it, no subfolders; move helpers next to operations/ (into ${op.service}/)`);
    else if (!/^[a-z0-9]+(-[a-z0-9]+)*\.ts$/.test(op.name)) violations.push(`${show(rel)}: ${op.service}/operations/ holds only .ts files named in kebab-case after their operation (PutRecords → put-records.ts)`);
  }
  for (const rel of all) {
    // Only TypeScript is checked (and compiled): a .js or .mts here would be invisible to every rule.
    if (/\.(c|m)?(j|t)sx?$/.test(rel) && !rel.endsWith('.ts')) violations.push(`${show(rel)}: source files in ${show('')} are .ts (the checker and tsc read only those); rename it or move it out`);
  }
  for (const rel of sources) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    const from = place(rel);
    if (!from) violations.push(`${show(rel)}: not in the layer map (${SCRIPT}); put it in a layer or add it to the map`);
    const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    lineCounts.set(rel, lines);
    if (lines > maxLines && !(rel in longFiles)) {
      violations.push(`${show(rel)}: ${lines} lines, over ${maxLines}; split it, or add it to LONG_FILES in ${SCRIPT} with a one-line reason it is long`);
    }
    const toks = lex(text);
    if (rel !== NATIVE_LOADER) {
      const k = toks.findIndex((tok, j) => (tok.t === 'id' && tok.v === 'createRequire' && toks[j + 1]?.v === '(') || (tok.t === 'str' && tok.v.endsWith('.node')));
      if (k >= 0) violations.push(`${show(rel)}:${toks[k].line}: only ${show(NATIVE_LOADER)} loads the native addon; import what you need from it`);
    }
    for (const { spec, line } of importsOf(toks)) {
      if (spec === PACKAGE || spec.startsWith(`${PACKAGE}/`)) {
        violations.push(`${show(rel)}:${line}: imports '${spec}', this package by name: inside ${show('')} import the file itself, so the layer rules see it`);
        continue;
      }
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue; // packages and node: builtins
      imports++;
      const at = `${show(rel)}:${line}: imports`;
      const target = resolve(rel, spec, known);
      if (!target) {
        violations.push(`${at} '${spec}', which does not resolve to a .ts file in ${show('')}; fix the path (name the .js the .ts compiles to)`);
        continue;
      }
      edges.get(rel).add(target);
      const to = place(target);
      const why = (from && to ? layerRule(from, to) : null) ?? threadRule(rel, target);
      if (why) violations.push(`${at} ${show(target)}: ${why}`);
      const op = operation(rel);
      const opTo = operation(target);
      if (op && opTo && op.service === opTo.service && rel !== target) {
        violations.push(`${at} ${show(target)}: operations never import each other; move what they share next to operations/`);
      }
    }
  }
  for (const rel of Object.keys(longFiles)) {
    if (!lineCounts.has(rel)) violations.push(`${show(rel)}: listed in LONG_FILES (${SCRIPT}) but no longer exists; stale entry: remove it`);
    else if (lineCounts.get(rel) <= maxLines) {
      violations.push(`${show(rel)}: listed in LONG_FILES (${SCRIPT}) but is ${lineCounts.get(rel)} lines, no longer over ${maxLines}; stale entry: remove it`);
    }
  }
  for (const scc of cycles(edges)) {
    const path = loop(scc[0], new Set(scc), edges);
    const rest = scc.filter((f) => !path.includes(f));
    const more = rest.length > 0 ? ` (also tangled in it: ${rest.map(show).join(', ')})` : '';
    violations.push(`import cycle: ${path.map(show).join(' → ')}${more}; break it by moving what they share into a file they both import`);
  }
  return { files: sources.length, imports, violations };
}

/**
 * Tests and benchmarks use the code through the package's entries ('riffle', 'riffle/internal'),
 * never by a path into dist/ (which moves whenever src/ does). `dirs` are repository folders.
 * Returns violations. (Paths passed to a process, like the CLI's dist/cli/main.js, are not imports.)
 */
export function checkDistImports(repoRoot, dirs = ['test', 'bench']) {
  const violations = [];
  for (const dir of dirs) {
    const base = path.join(repoRoot, dir);
    if (!fs.existsSync(base)) continue;
    for (const rel of walk(base).filter((f) => /\.(ts|mts|mjs|js|cjs)$/.test(f))) {
      for (const { spec, line } of importsOf(lex(fs.readFileSync(path.join(base, rel), 'utf8')))) {
        if (spec.startsWith('.') && /(^|\/)dist\//.test(spec)) violations.push(`${dir}/${rel}:${line}: imports '${spec}' from dist/; import it from 'riffle' or 'riffle/internal' (src/internal.ts)`);
      }
    }
  }
  return violations;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  const srcDir = process.argv[2] ?? REPO_SRC;
  const report = checkStructure(srcDir);
  const { files, imports } = report;
  // The repository's own tree: its tests and benchmarks too.
  const violations = path.resolve(srcDir) === REPO_SRC ? [...report.violations, ...checkDistImports(path.dirname(REPO_SRC))] : report.violations;
  for (const v of violations) console.log(v);
  const summary = violations.length === 0 ? 'no violations' : `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  console.log(`structure: ${files} files, ${imports} imports, ${summary}`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
