// Command-line options of the benchmark scripts: `--name value` pairs over a table of defaults,
// numbers unless listed as text, with a --help built from the same table.

/**
 * spec: { command, intro: string[], rows: [[name, default shown, what]], defaults, text: [names],
 *         flags: [names that take no value: true when given], positive (numbers must be > 0; else >= 0), footer: string[] }.
 * Returns the options (defaults overridden); prints help and exits 0 on --help, exits 2 on a bad option.
 */
export function parseOptions(argv, spec) {
  const opt = { ...spec.defaults };
  const text = spec.text ?? [];
  const list = ` (options: ${Object.keys(opt).map((k) => `--${k}`).join(', ')}; --help explains them)`;
  const fail = (message) => {
    console.error(`${spec.command}: ${message}`);
    process.exit(2);
  };
  const flags = spec.flags ?? [];
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(helpText(spec));
      process.exit(0);
    }
    if (!argv[i].startsWith('--')) fail(`unexpected argument '${argv[i]}'${list}`);
    const name = argv[i].slice(2);
    if (flags.includes(name)) {
      opt[name] = true;
      i--; // a flag takes no value
      continue;
    }
    const value = argv[i + 1];
    if (!Object.hasOwn(opt, name)) fail(`unknown option ${argv[i]}${list}`);
    if (value === undefined) fail(`--${name} needs a value`);
    if (text.includes(name)) {
      opt[name] = value;
      continue;
    }
    const n = Number(value);
    if (!(spec.positive ? n > 0 : n >= 0)) fail(`--${name} needs a ${spec.positive ? 'positive' : 'non-negative'} number, got '${value}'`);
    opt[name] = n;
  }
  return opt;
}

function helpText(spec) {
  const rows = [...spec.rows, ['--help, -h', '', 'print this help and exit']];
  return [
    ...spec.intro,
    '',
    `options (default in brackets${spec.positive ? '; the numbers must be positive' : ''}):`,
    ...rows.map(([flag, def, what]) => `  ${flag.padEnd(19)} ${what}${def === '' ? '' : ` [${def}]`}`),
    ...(spec.footer === undefined ? [] : ['', ...spec.footer]),
  ].join('\n');
}
