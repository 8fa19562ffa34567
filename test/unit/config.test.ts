import { describe, expect, it } from 'vitest';
import { checkOptions, ConfigError, defaultConfig, OPTIONS, parseConfig, type RiffleConfig } from '../../src/config.js';

// Riffle.start's option checking (checkOptions) as a pure function, and its agreement with the CLI.

/** Riffle.start's name for a CLI flag: the RiffleConfig key, or limits.<member> for a per-shard rate. */
const embeddedName = (flag: string): string => {
  const spec = OPTIONS[flag]!;
  return spec.limit === undefined ? spec.key : `limits.${spec.limit}`;
};
const flagOf = (name: string): string => Object.keys(OPTIONS).find((f) => embeddedName(f) === name)!;
/** The options object that sets one option by its embedded name. */
const opts = (name: string, value: unknown): Record<string, unknown> =>
  name.startsWith('limits.') ? { limits: { [name.slice('limits.'.length)]: value } } : { [name]: value };
/** The value at an embedded name in a config. */
const at = (config: RiffleConfig, name: string): unknown =>
  name.startsWith('limits.') ? config.limits[name.slice('limits.'.length) as keyof RiffleConfig['limits']] : config[name as keyof RiffleConfig];

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** The ranges as the README and the CLI have them, written out here so a change to one is a test failure. */
const RANGES: Record<string, [number, number]> = {
  port: [0, 65535],
  streamPort: [0, 65535],
  createStreamMs: [0, 3_600_000],
  deleteStreamMs: [0, 3_600_000],
  updateStreamMs: [0, 3_600_000],
  workers: [1, 64],
  shardLimit: [1, 1_000_000],
  openFiles: [1, 1_000_000],
  consumerLimit: [1, 1_000_000],
  pushBytesPerSec: [1, 1_000_000_000],
  firehoseRecordsPerSec: [1, 1_000_000_000],
  firehoseCallsPerSec: [1, 1_000_000_000],
  firehoseBytesPerSec: [1, 1_000_000_000],
  'limits.writeBytesPerSec': [1, 1_000_000_000],
  'limits.writeRecordsPerSec': [1, 1_000_000_000],
  'limits.readBytesPerSec': [1, 1_000_000_000],
  'limits.readCallsPerSec': [1, 1_000_000_000],
  segmentBytes: [4096, 1024 ** 3],
  requestBodiesBytes: [4096, 1024 ** 3],
  hotBytes: [4096, 1024 ** 3],
  partitionBuffersBytes: [4096, 1024 ** 3],
  segmentMs: [1000, 7 * 24 * 3_600_000],
  subscriptionMs: [1000, 7 * 24 * 3_600_000],
  onDemandWindowMs: [1000, 7 * 24 * 3_600_000],
  onDemandSplitPercent: [1, 100],
};

/** Good and bad typed values for every option, by its embedded name. */
const SAMPLES: Record<string, { good: unknown[]; bad: unknown[]; accepts: string }> = {
  ...Object.fromEntries(
    Object.entries(RANGES).map(([name, [lo, hi]]) => [
      name,
      {
        good: [lo, lo + 1, hi - 1, hi, Math.floor((lo + hi) / 2)],
        bad: [lo - 1, hi + 1, lo + 0.5, -1, NaN, Infinity, -Infinity, String(lo + 1), null, true, [lo], { n: lo }, BigInt(lo + 1)],
        accepts: `a whole number from ${lo} to ${hi}`,
      },
    ]),
  ),
  inMemory: { good: [true, false], bad: ['true', 'yes', 1, 0, null, ''], accepts: 'true or false' },
  throttle: { good: [true, false], bad: ['false', 'no', 0, null], accepts: 'true or false' },
  dashboard: { good: [true, false], bad: ['false', 'no', 0, null], accepts: 'true or false' },
  metrics: { good: [true, false], bad: ['false', 'no', 0, null], accepts: 'true or false' },
  host: { good: ['0.0.0.0', 'localhost', '::1'], bad: ['', 0, null, false, ['127.0.0.1']], accepts: 'a non-empty string' },
  auth: { good: ['none', 'sigv4'], bad: ['', 'SIGV4', 'basic', 1, null, true], accepts: "'none' or 'sigv4'" },
  credentials: { good: ['/etc/riffle/credentials', './creds', null], bad: ['', 0, false], accepts: 'a non-empty string or null' },
  tlsCert: { good: ['/etc/riffle/cert.pem', './cert.pem', null], bad: ['', 0, false], accepts: 'a non-empty string or null' },
  tlsKey: { good: ['/etc/riffle/key.pem', './key.pem', null], bad: ['', 0, false], accepts: 'a non-empty string or null' },
  allowedHosts: { good: ['', 'riffle.test', 'a.test,b.test', '*'], bad: ['a, b', ',a', 'a,', 1, null, ['a']], accepts: 'a string of comma-separated names (or empty)' },
  allowedOrigins: { good: ['', 'http://localhost:3000', 'http://a.test,https://b.test:8443', '*'], bad: ['http://a.test, x', 1, null], accepts: 'a string of comma-separated names (or empty)' },
  dataDir: { good: ['/tmp/riffle', './riffle-data', null], bad: ['', 0, false, {}], accepts: 'a non-empty string or null' },
  fsync: { good: ['always', 'group', 'never'], bad: ['sometimes', 'GROUP', '', true, 1, null], accepts: "'always', 'group' or 'never'" },
  region: { good: ['us-east-1', 'eu-central-1', 'us-gov-west-1', 'ap-southeast-2'], bad: ['mars', 'US-EAST-1', 'us-east', '', 1, null], accepts: 'a string naming a region, like us-east-1' },
  s3Dir: { good: ['/tmp/riffle-s3', './objects', null], bad: ['', 0, false, {}], accepts: 'a non-empty string or null' },
  s3Endpoint: { good: ['http://127.0.0.1:9000', 'https://s3.eu-west-1.amazonaws.com', 'http://minio:9000/', null], bad: ['', 'localhost:9000', 'ftp://x', 'http://', 'http://a b', 1, false], accepts: 'a string with an http:// or https:// URL or null' },
  s3Region: { good: ['us-east-1', 'eu-west-1', null], bad: ['mars', '', 1, false], accepts: 'a string naming a region, like us-east-1, or null' },
  lambda: {
    good: ['', 'enrich=./enrich.mjs', 'a=/x/a.cjs,b-2=./b.mjs', `${'f'.repeat(64)}=h.js`],
    bad: ['enrich', '=x.mjs', 'a=', 'a= ', 'a=x,a=y', 'bad name=x', `${'f'.repeat(65)}=h.js`, 'a=x,', ',a=x', 1, null, ['a=x'], { a: 'x' }],
    accepts: 'a string of comma-separated <function name>=<module path> (names of 1 to 64 letters, digits, - or _, each once), or empty',
  },
  accountId: { good: ['000000000000', '123456789012'], bad: [123456789012, '123', '1234567890123', '12345678901a', '', null], accepts: 'a string of 12 digits' },
};

const shown = (v: unknown): string =>
  typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' ? `${v}n` : Array.isArray(v) ? 'an array' : typeof v === 'object' && v !== null ? 'an object' : String(v);

describe('checkOptions (Riffle.start)', () => {
  it('has a rule for every option: the samples cover every CLI option, and every RiffleConfig key is an option', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(OPTIONS).map(embeddedName).sort());
    const keys = Object.keys(defaultConfig());
    expect([...new Set(Object.values(OPTIONS).map((s) => s.key))].sort()).toEqual([...keys].sort());
    // `limits` is the one RiffleConfig key with no flag of its own (its members have one each).
    expect(keys.filter((k) => !Object.keys(OPTIONS).some((f) => embeddedName(f) === k))).toEqual(['limits']);
    // Every option at its default is accepted and changes nothing.
    const defaults = defaultConfig();
    for (const name of Object.keys(SAMPLES)) expect(checkOptions(opts(name, at(defaults, name)))).toEqual(defaults);
  });

  it('keeps the embedded defaults: nothing given is defaultConfig(), data in memory (dataDir null)', () => {
    expect(checkOptions()).toEqual(defaultConfig());
    expect(checkOptions({})).toEqual(defaultConfig());
    expect(checkOptions({}).dataDir).toBeNull();
    expect(checkOptions({}).inMemory).toBe(false);
    // An option given as undefined is left out, as with a spread of optional fields.
    expect(checkOptions({ port: undefined, workers: undefined, limits: { readCallsPerSec: undefined } })).toEqual(defaultConfig());
    expect(checkOptions({ limits: undefined })).toEqual(defaultConfig());
    // The defaults pass their own checks, handed back in whole (what the CLI does): on a machine
    // of any size, the default workers is within --workers' range.
    expect(checkOptions(defaultConfig())).toEqual(defaultConfig());
    expect(defaultConfig().workers).toBeGreaterThanOrEqual(1);
    expect(defaultConfig().workers).toBeLessThanOrEqual(64);
  });

  it('accepts each good value and sets it, and nothing else', () => {
    for (const [name, { good }] of Object.entries(SAMPLES)) {
      for (const value of good) {
        const config = checkOptions(opts(name, value));
        expect(at(config, name), `${name} = ${shown(value)}`).toEqual(value);
        const expected = defaultConfig();
        if (name.startsWith('limits.')) (expected.limits as unknown as Record<string, unknown>)[name.slice(7)] = value;
        else (expected as unknown as Record<string, unknown>)[name] = value;
        expect(config).toEqual(expected);
      }
    }
  });

  it('refuses each bad value with a ConfigError naming the option by its embedded name and its flag', () => {
    for (const [name, { bad, accepts }] of Object.entries(SAMPLES)) {
      for (const value of bad) {
        const err = refusal(() => checkOptions(opts(name, value)));
        expect(err.option).toBe(name);
        expect(err.message).toBe(`Riffle.start: ${name} (--${flagOf(name)}) must be ${accepts}, got ${shown(value)}`);
      }
    }
  });

  it('words the messages as the issue asks', () => {
    expect(refusal(() => checkOptions({ workers: 0 })).message).toBe('Riffle.start: workers (--workers) must be a whole number from 1 to 64, got 0');
    expect(refusal(() => checkOptions({ port: 1.5 })).message).toBe('Riffle.start: port (--port) must be a whole number from 0 to 65535, got 1.5');
    expect(refusal(() => checkOptions({ throttle: 'no' })).message).toBe("Riffle.start: throttle (--no-throttle) must be true or false, got 'no'");
    expect(refusal(() => checkOptions({ accountId: 123 })).message).toBe('Riffle.start: accountId (--account-id) must be a string of 12 digits, got 123');
    expect(refusal(() => checkOptions({ limits: { readCallsPerSec: 0 } })).message).toBe(
      'Riffle.start: limits.readCallsPerSec (--read-calls-per-sec) must be a whole number from 1 to 1000000000, got 0',
    );
  });

  it('refuses unknown names, suggesting the nearest option and pointing at the README', () => {
    const readme = "; the options are the flags in README.md's Options table, camelCased (--stream-port is streamPort, --no-throttle is throttle: false), with the per-shard rates in limits";
    const cases: Array<[string, string]> = [
      ['trottle', ' (did you mean throttle?)'],
      ['Workers', ' (did you mean workers?)'],
      ['stream-port', ' (did you mean streamPort?)'],
      ['noThrottle', ' (did you mean throttle: false?)'],
      ['no-throttle', ' (did you mean throttle: false?)'],
      ['in_memory', ' (did you mean inMemory?)'],
      ['writeBytesPerSec', ' (did you mean limits.writeBytesPerSec?)'],
      ['limit', ' (did you mean limits?)'],
      ['segment', ''], // segmentBytes or segmentMs: no obvious one
      ['streamPorts', ' (did you mean streamPort?)'],
      ['xyzzy', ''],
      ['limits.readCallsPerSec', ' (did you mean limits?)'], // a dotted path at the top level: the rate goes inside limits
      ['constructor', ''],
    ];
    for (const [name, hint] of cases) {
      const err = refusal(() => checkOptions({ [name]: 1 }));
      expect(err.option).toBe(name);
      expect(err.message).toBe(`Riffle.start: unknown option ${name}${hint}${readme}`);
    }
    // An own __proto__ key (as JSON.parse makes one) is a name like any other.
    expect(refusal(() => checkOptions(JSON.parse('{"__proto__": {"workers": 0}}'))).option).toBe('__proto__');
    // The first unknown or bad name is the one reported, before anything is used.
    expect(refusal(() => checkOptions({ workers: 2, trottle: false, port: -1 })).option).toBe('trottle');
  });

  it('checks limits: an object of the four ShardLimits names, each a rate, merged over the defaults', () => {
    const config = checkOptions({ limits: { writeRecordsPerSec: 2000, readCallsPerSec: 10 } });
    expect(config.limits).toEqual({ ...defaultConfig().limits, writeRecordsPerSec: 2000, readCallsPerSec: 10 });
    expect(checkOptions({ limits: {} }).limits).toEqual(defaultConfig().limits);
    const all = { writeBytesPerSec: 1, writeRecordsPerSec: 2, readBytesPerSec: 3, readCallsPerSec: 4 };
    expect(checkOptions({ limits: all }).limits).toEqual(all);
    // The result owns its limits: neither the input nor the defaults are shared or changed.
    const input = { readCallsPerSec: 7 };
    const out = checkOptions({ limits: input });
    out.limits.readCallsPerSec = 8;
    expect(input.readCallsPerSec).toBe(7);
    expect(checkOptions().limits.readCallsPerSec).toBe(5);

    const names = 'writeBytesPerSec, writeRecordsPerSec, readBytesPerSec, readCallsPerSec';
    for (const value of [5, null, [], 'fast', true]) {
      const err = refusal(() => checkOptions({ limits: value }));
      expect(err.option).toBe('limits');
      expect(err.message).toBe(`Riffle.start: limits must be an object with any of ${names}, got ${shown(value)}`);
    }
    const unknown = refusal(() => checkOptions({ limits: { writeBytesPerSecond: 1 } }));
    expect(unknown.option).toBe('limits.writeBytesPerSecond');
    expect(unknown.message).toBe(`Riffle.start: unknown option limits.writeBytesPerSecond (did you mean limits.writeBytesPerSec?); limits takes ${names}`);
    expect(refusal(() => checkOptions({ limits: { shards: 1 } })).message).toBe(`Riffle.start: unknown option limits.shards; limits takes ${names}`);
    expect(refusal(() => checkOptions({ limits: { 'read-calls-per-sec': 1 } })).message).toContain('(did you mean limits.readCallsPerSec?)');
  });

  it('refuses options that are not an object', () => {
    for (const value of [null, [], 5, 'workers=2', true]) {
      const err = refusal(() => checkOptions(value));
      expect(err.option).toBe('options');
      expect(err.message).toBe(`Riffle.start: options must be an object, got ${shown(value)}`);
    }
  });
});

describe('the CLI and Riffle.start agree', () => {
  /** parseConfig's result, or its ConfigError. */
  const cli = (argv: string[], env: Record<string, string> = {}): RiffleConfig | ConfigError => {
    try {
      return parseConfig(argv, env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
  };
  const embedded = (options: Record<string, unknown>): RiffleConfig | ConfigError => {
    try {
      return checkOptions(options);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
  };
  const STRINGS = ['', 'x', 'us-east-1', 'eu-west-2', 'mars', 'US-EAST-1', 'us-east', '000000000000', '12345678901', 'always', 'group', 'never', 'sometimes', '/tmp/riffle', '0.0.0.0', ' '];

  it('on every value: one the CLI accepts is accepted embedded with the same config, one it refuses is refused', () => {
    let compared = 0;
    for (const [flag, spec] of Object.entries(OPTIONS)) {
      const name = embeddedName(flag);
      const range = RANGES[name];
      const raws =
        range !== undefined
          ? [range[0] - 1, range[0], range[0] + 1, range[1] - 1, range[1], range[1] + 1, range[0] + 0.5, -1, 0, 1, 999, 1000, 4095, 4096, 65535, 65536].map(String)
          : spec.kind === 'flag'
            ? []
            : STRINGS;
      for (const raw of raws) {
        const fromCli = cli([`--${flag}=${raw}`]);
        // The typed value the CLI's string stands for (numbers only where the string is a plain number).
        const typed = range !== undefined ? Number(raw) : raw;
        const fromApi = embedded(opts(name, typed));
        if (fromCli instanceof ConfigError) {
          expect(fromApi, `--${flag}=${raw} is refused by the CLI, so ${name}: ${shown(typed)} must be refused`).toBeInstanceOf(ConfigError);
          expect((fromApi as ConfigError).option).toBe(name);
          expect(fromCli.option).toBe(flag);
          // Same wording for what is accepted, where the kinds read the same (numbers).
          if (range !== undefined) expect(fromApi.message).toContain(`must be ${/expected (.*), got/.exec(fromCli.message)![1]}`);
        } else {
          expect(fromApi, `--${flag}=${raw} is accepted by the CLI, so ${name}: ${shown(typed)} must be`).toEqual(fromCli);
        }
        compared++;
      }
      if (spec.kind === 'flag') {
        // A flag's strings are the CLI's business; what they turn into is what Riffle.start takes.
        for (const raw of ['', 'true', 'false', '1', '0', 'yes', 'no']) {
          const fromCli = cli([`--${flag}=${raw}`]) as RiffleConfig;
          expect(embedded(opts(name, at(fromCli, name)))).toEqual(fromCli);
          compared++;
        }
        expect(cli([`--${flag}=maybe`])).toBeInstanceOf(ConfigError);
        expect(embedded(opts(name, 'true'))).toBeInstanceOf(ConfigError);
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('on the good and bad samples: what the CLI makes of a sample string, Riffle.start makes of the typed sample', () => {
    for (const [name, { good, bad }] of Object.entries(SAMPLES)) {
      const flag = flagOf(name);
      if (OPTIONS[flag]!.kind === 'flag') continue;
      for (const value of good.filter((v) => v !== null)) expect(cli([`--${flag}=${String(value)}`])).toEqual(checkOptions(opts(name, value)));
      // Bad samples the CLI can spell (numbers as digits, strings as themselves) are bad there too.
      const spellable = (v: unknown): boolean => (RANGES[name] !== undefined ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string');
      for (const value of bad.filter(spellable)) {
        expect(cli([`--${flag}=${String(value)}`]), `--${flag}=${String(value)}`).toBeInstanceOf(ConfigError);
      }
    }
  });

  it('every config the CLI makes passes Riffle.start unchanged (the CLI hands its config to Riffle.start)', () => {
    const argv = ['--port=0', '--stream-port=0', '--host=0.0.0.0', '--allowed-hosts=riffle.test', '--allowed-origins=http://localhost:3000', '--request-bodies-bytes=8192', '--auth=sigv4', '--credentials=/tmp/creds', '--tls-cert=/tmp/c.pem', '--tls-key=/tmp/k.pem', '--in-memory', '--data-dir=/tmp/x', '--open-files=64', '--fsync=never', '--segment-bytes=4096', '--segment-ms=1000', '--hot-bytes=8192', '--no-throttle', '--no-dashboard', '--no-metrics', '--create-stream-ms=5', '--delete-stream-ms=6', '--update-stream-ms=7', '--workers=3', '--region=eu-west-1', '--account-id=123456789012', '--shard-limit=9', '--consumer-limit=2', '--push-bytes-per-sec=10', '--subscription-ms=2000', '--s3-dir=/tmp/o', '--s3-endpoint=http://127.0.0.1:9000', '--s3-region=eu-west-2', '--lambda=enrich=./enrich.mjs', '--partition-buffers-bytes=65536', '--firehose-records-per-sec=15', '--firehose-calls-per-sec=16', '--firehose-bytes-per-sec=17', '--on-demand-window-ms=5000', '--on-demand-split-percent=40', '--write-bytes-per-sec=11', '--write-records-per-sec=12', '--read-bytes-per-sec=13', '--read-calls-per-sec=14'];
    expect(argv.map((a) => a.replace(/^--|=.*$/g, '')).sort()).toEqual(Object.keys(OPTIONS).sort());
    const config = parseConfig(argv, {});
    expect(checkOptions(config)).toEqual(config);
    expect(checkOptions(parseConfig([], {}))).toEqual(parseConfig([], {}));
  });

  it('reads each option from its env var as from its flag', () => {
    for (const [flag, spec] of Object.entries(OPTIONS)) {
      const name = embeddedName(flag);
      const notDefault = SAMPLES[name]!.good.find((v) => v !== null && v !== at(defaultConfig(), name));
      const raw = spec.kind === 'flag' ? 'yes' : String(notDefault);
      const byEnv = parseConfig([], { [spec.env]: raw });
      expect(byEnv).toEqual(parseConfig([`--${flag}=${raw}`], {}));
      expect(byEnv).not.toEqual(defaultConfig());
    }
  });

  it('takes --lambda repeated: each flag adds its functions, the flags replace RIFFLE_LAMBDA, a name twice is refused', () => {
    const env = { RIFFLE_LAMBDA: 'a=/env/a.mjs,b=/env/b.mjs' };
    expect(parseConfig([], env).lambda).toBe('a=/env/a.mjs,b=/env/b.mjs');
    expect(parseConfig(['--lambda', 'c=./c.mjs', '--lambda=d=/d.cjs'], env).lambda).toBe('c=./c.mjs,d=/d.cjs');
    expect(parseConfig(['--lambda=c=./c.mjs,e=./e.mjs', '--lambda', 'd=/d.cjs'], {}).lambda).toBe('c=./c.mjs,e=./e.mjs,d=/d.cjs');
    // A flag with a name the env var had is fine (the flags replace the env var's list).
    expect(parseConfig(['--lambda=a=./mine.mjs'], env).lambda).toBe('a=./mine.mjs');
    expect(refusal(() => parseConfig(['--lambda=a=./x.mjs', '--lambda=a=./y.mjs'], {})).message).toBe("--lambda: a function is given twice in 'a=./x.mjs,a=./y.mjs'");
    expect(refusal(() => parseConfig(['--lambda=a=./x.mjs', '--lambda=nameless'], {})).message).toBe(
      "--lambda: expected <function name>=<module path> (a name of 1 to 64 letters, digits, - or _, given once), got 'nameless'",
    );
    expect(refusal(() => parseConfig([], { RIFFLE_LAMBDA: 'a=x,a=y' })).option).toBe('lambda');
  });

  it('treats only its own option names as options (not Object.prototype members)', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const err = refusal(() => parseConfig([`--${name}`, '1'], {}));
      expect(err.message).toBe(`unknown option --${name} (try --help)`);
    }
  });
});
