#!/usr/bin/env node
/**
 * `riffle serve [options]` (or a bare `riffle [options]`): what `npm start` runs; also `riffle bench`,
 * `riffle help` and `riffle version`. Bad options print a message naming the option and exit with code 2.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, resolveS3Dir, parseConfig, usage } from '../config.js';
import { Riffle } from '../index.js';
import { DataDirError, DEFAULT_DATA_DIR, prepareDataDir } from '../log/data-dir.js';
import { UsageError } from './args.js';
import { describeCommand } from './describe.js';
import { loadCommand } from './load.js';
import { putCommand } from './put.js';
import { statsCommand } from './stats.js';
import { streamsCommand } from './streams.js';
import { tailCommand } from './tail.js';

async function serve(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return;
  }
  let config;
  try {
    config = parseConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`riffle: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  let riffle: Riffle;
  try {
    if (!config.inMemory) {
      // The default directory is created on first use; one named with --data-dir must exist.
      const create = config.dataDir === null;
      config.dataDir ??= DEFAULT_DATA_DIR;
      prepareDataDir(config.dataDir, create);
    }
    riffle = await Riffle.start(config);
  } catch (err) {
    if (err instanceof DataDirError || err instanceof ConfigError) {
      console.error(`riffle: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  let listening: { port: number; streamPort: number };
  try {
    listening = await riffle.listen();
  } catch (err) {
    await riffle.close();
    if (err instanceof ConfigError) {
      console.error(`riffle: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const { port, streamPort } = listening;
  const scheme = config.tlsCert !== null ? 'https' : 'http';
  const h2 = config.tlsCert !== null ? 'HTTP/1.1 + HTTP/2 by ALPN' : 'HTTP/1.1 + h2c';
  const mode = config.throttle ? 'per-shard limits on' : 'no per-shard limits';
  console.log(
    `riffle: listening on ${scheme}://${config.host}:${port} (AWS API, ${h2}) and ${scheme}://${config.host}:${streamPort} (uWebSockets.js); ` +
      `${config.workers} shard owner thread(s), ${mode}, ` +
      (config.dataDir !== null && !config.inMemory ? `data in ${config.dataDir} (fsync ${config.fsync})` : 'data in memory') +
      `; Firehose objects to ${config.s3Endpoint ?? resolveS3Dir(config)}`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`riffle: ${signal}, shutting down`);
    riffle.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('riffle: error while shutting down:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * `riffle bench [options]`: the end-to-end PutRecords benchmark (bench/put-records.mjs);
 * `riffle bench firehose [options]`: the Firehose delivery benchmark (bench/firehose/run.mjs);
 * `riffle bench reshard [options]`: resharding under load (bench/reshard.mjs);
 * `riffle bench recovery [options]`: restart and kill -9 recovery of the durable log (bench/recovery.mjs);
 * `riffle bench hostile [options]`: the server under attack, a normal client measured alongside (bench/hostile.mjs);
 * `riffle bench metrics [options]`: what the metrics cost, on and off in interleaved pairs (bench/metrics-cost.mjs);
 * `riffle bench firehose-http` / `firehose-transform`: HTTP endpoint delivery; a Lambda transform through the handler pool (bench/firehose/).
 * Same options as the scripts (`--help` lists them).
 */
/** `riffle bench [firehose | reshard | recovery] [options]`: the script of each benchmark. */
const BENCHES: Record<string, string> = {
  firehose: '../../bench/firehose/run.mjs',
  'firehose-http': '../../bench/firehose/http.mjs',
  'firehose-transform': '../../bench/firehose/transform.mjs',
  reshard: '../../bench/reshard.mjs',
  recovery: '../../bench/recovery.mjs',
  hostile: '../../bench/hostile.mjs',
  metrics: '../../bench/metrics-cost.mjs',
};

function bench(argv: string[]): never {
  const named = BENCHES[argv[0] ?? ''];
  const script = fileURLToPath(new URL(named ?? '../../bench/put-records.mjs', import.meta.url));
  const result = spawnSync(process.execPath, [script, ...(named !== undefined ? argv.slice(1) : argv)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

/** The package's version, from package.json next to dist/ (dist/cli/main.js → ../../package.json). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The client commands: they call a Kinesis endpoint (Riffle's, or AWS's) with the AWS SDK. */
const CLIENT_COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  streams: streamsCommand,
  describe: describeCommand,
  put: putCommand,
  tail: tailCommand,
  load: loadCommand,
  stats: statsCommand,
};

/**
 * A bad option or argument: its message and exit code 2. An AWS error (no such stream, a refused
 * signature): its name and message and exit code 1, without a stack trace.
 */
async function client(name: string, argv: string[]): Promise<void> {
  // `riffle tail s | head`: the reader went away, which ends the command quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    console.error(`riffle ${name}: standard output: ${err.message}`);
    process.exit(1);
  });
  try {
    await CLIENT_COMMANDS[name]!(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`riffle ${name}: ${err.message}`);
      process.exit(2);
    }
    const e = err as Error & { $metadata?: unknown };
    if (e.$metadata !== undefined || e.name === 'CredentialsProviderError' || (e as NodeJS.ErrnoException).code !== undefined) {
      console.error(`riffle ${name}: ${e.name}: ${e.message}`);
      process.exit(1);
    }
    throw err;
  }
}

const COMMANDS = `serve, ${Object.keys(CLIENT_COMMANDS).join(', ')}, bench, help, version`;
const [command = 'serve', ...rest] = process.argv.slice(2);
if (CLIENT_COMMANDS[command] !== undefined) {
  await client(command, rest);
} else if (command === 'help' && rest[0] !== undefined && CLIENT_COMMANDS[rest[0]] !== undefined) {
  await client(rest[0], ['--help']);
} else if (command === 'serve') {
  await serve(rest);
} else if (command === 'bench') {
  bench(rest);
} else if (command === 'help' && rest[0] === 'bench') {
  bench(rest[1] !== undefined && BENCHES[rest[1]] !== undefined ? [rest[1], '--help'] : ['--help']);
} else if (command === '--help' || command === '-h' || command === 'help') {
  console.log(usage());
} else if (command === '--version' || command === 'version') {
  console.log(`riffle ${version()}`);
} else if (command.startsWith('--')) {
  await serve([command, ...rest]);
} else {
  console.error(`riffle: unknown command '${command}' (commands: ${COMMANDS}; riffle help for usage)`);
  process.exit(2);
}
