/**
 * The command line of the client commands (`riffle streams`, `put`, `tail`, ...): each declares its
 * options as a table, gets them parsed and checked here, and a bad one ends the command with a
 * message naming it (exit code 2), as `riffle serve` does.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export type OptionKind = 'string' | 'number' | 'flag';

export interface OptionSpec {
  kind: OptionKind;
  /** One line for --help: what it takes and its default. */
  help: string;
  /** 'number': the smallest and largest value taken. */
  min?: number;
  max?: number;
}

export type OptionTable = Record<string, OptionSpec>;

export interface Parsed {
  values: Map<string, string | number | boolean>;
  positional: string[];
  help: boolean;
}

/** `--name value`, `--name=value`, `--flag`; `-h`/`--help`; anything else is a positional argument. */
export function parseArgs(argv: readonly string[], table: OptionTable, positionalMax: number): Parsed {
  const values = new Map<string, string | number | boolean>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = table[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name} (--help lists them)`);
    if (spec.kind === 'flag') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    let raw: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined || (eq === -1 && raw.startsWith('--'))) throw new UsageError(`--${name} needs a value: ${spec.help}`);
    if (spec.kind === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw new UsageError(`--${name} ${JSON.stringify(raw)}: ${spec.help}`);
      }
      values.set(name, n);
    } else values.set(name, raw);
  }
  if (!help && positional.length > positionalMax) throw new UsageError(`unexpected argument ${JSON.stringify(positional[positionalMax])}`);
  return { values, positional, help };
}

/** The --help text: a usage line, a description, then one line per option. */
export function helpText(usage: string, description: string, table: OptionTable): string {
  const width = Math.max(...Object.entries(table).map(([n, s]) => n.length + (s.kind === 'flag' ? 0 : 6))) + 4;
  const lines = Object.entries(table).map(([name, spec]) => `  ${`--${name}${spec.kind === 'flag' ? '' : ' <v>'}`.padEnd(width)}${spec.help}`);
  return `usage: ${usage}\n\n${description}\n\noptions:\n${lines.join('\n')}\n  ${'--help'.padEnd(width)}this text\n`;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function num(p: Parsed, name: string, fallback: number): number {
  const v = p.values.get(name);
  return typeof v === 'number' ? v : fallback;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values.get(name) === true;
}
