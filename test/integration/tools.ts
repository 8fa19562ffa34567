/**
 * Programs from outside this repository that some tests drive (the AWS CLI, a python with boto3;
 * later Java, Chromium, nats-server, mosquitto).
 *
 * `npm test` must pass on a machine with only Node and a C++ toolchain, so a test whose program is
 * missing is skipped, and the file prints one line on stderr saying what is missing and how to
 * install it. With RIFFLE_REQUIRE_TOOLS=1 (.ci/run sets it) a missing program fails the run with
 * that same message instead, so CI runs every one of these tests.
 *
 * A requirement is data (a ToolSpec, below, beside the others) and one call in the test file:
 *
 *   const python = await needTool(PYTHON_WITH_BOTO3);
 *   describe.runIf(python)('boto3', () => {
 *     beforeAll(...);   // hooks go inside the gated describe: they do not run when it is skipped
 *     it('...', async () => { await run(python!.command, [...]); });
 *   });
 *
 * When the program is missing, needTool adds a test named `needs <spec.name>`: skipped (after the
 * stderr line), or failing with the message under RIFFLE_REQUIRE_TOOLS=1.
 */
import { execFile } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

export interface ToolSpec {
  /** What the tests need, as the messages say it: 'AWS CLI v2', 'python with boto3'. */
  name: string;
  /**
   * Commands to try, in this order: a path, a name looked up on PATH, or `$VAR` for the command an
   * environment variable names (passed over when the variable is unset).
   */
  candidates: string[];
  /** Arguments that make a candidate show it works (exit 0) and print its version. */
  probe: string[];
  /** The version, read from the probe's stdout (or stderr when stdout is empty). Default: its first line. */
  version?: (output: string) => string;
  /** Why a candidate that works is still not what the tests need (e.g. 'aws-cli/1.45.11, not v2'); undefined when it is. */
  reject?: (version: string) => string | undefined;
  /** How to get it, e.g. 'apt-get install python3-boto3, or pip install boto3'. */
  install: string;
}

export interface Tool {
  name: string;
  /** What to run: the candidate that answered, e.g. '/usr/bin/python3' or 'aws' (found on PATH). */
  command: string;
  version: string;
  missing?: undefined;
}

export interface MissingTool {
  name: string;
  /** `no <name> (tried <candidates and what each said>); install: <how>` */
  missing: string;
}

// --- the tools the tests use -------------------------------------------------------------------

const awsInstall = 'apt-get install awscli (Debian 12 packages v2), or see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html';

/** Any AWS CLI: Debian's v2 at /usr/bin/aws, and whatever `aws` is on PATH (e.g. pip's v1). */
export const AWS_CLI: ToolSpec = {
  name: 'AWS CLI',
  candidates: ['/usr/bin/aws', 'aws'],
  probe: ['--version'],
  version: (out) => out.trim().split(/\s+/)[0] ?? '', // 'aws-cli/2.9.19 Python/3.11.2 Linux/...'
  install: awsInstall,
};

export const AWS_CLI_V2: ToolSpec = {
  ...AWS_CLI,
  name: 'AWS CLI v2',
  reject: (version) => (version.startsWith('aws-cli/2.') ? undefined : `${version}, not v2`),
};

/** A python that can import boto3 (Debian's python3-boto3 or pip's): $RIFFLE_PYTHON picks one. */
export const PYTHON_WITH_BOTO3: ToolSpec = {
  name: 'python with boto3',
  candidates: ['$RIFFLE_PYTHON', 'python3', '/usr/bin/python3'],
  probe: ['-c', 'import sys, boto3, botocore; print(f"python {sys.version.split()[0]}, boto3 {boto3.__version__}, botocore {botocore.__version__}")'],
  install: 'apt-get install python3-boto3, or pip install boto3',
};

/**
 * moto's S3 server (`python -m moto.server`), a second S3 implementation for the S3 sink, stricter
 * than s3rver (part sizes, AbortMultipartUpload, ListMultipartUploads). Not a Debian package, so
 * .ci/run cannot install it: test/integration/firehose-s3-sink.test.ts treats it as optional even
 * under RIFFLE_REQUIRE_TOOLS=1, unless RIFFLE_MOTO=1.
 */
export const MOTO_SERVER: ToolSpec = {
  name: 'moto server',
  candidates: ['$RIFFLE_PYTHON', 'python3', '/usr/bin/python3'],
  probe: ['-c', 'import moto, moto.server, flask; print(f"moto {moto.__version__}")'],
  install: 'pip install "moto[server]"',
};

/**
 * Not a program but a permission the full-disk test needs: mounting a small tmpfs (root, or
 * CAP_SYS_ADMIN). Probed by mounting and unmounting one.
 */
export const TMPFS_MOUNT: ToolSpec = {
  name: 'permission to mount a tmpfs',
  candidates: ['sh'],
  // The mount point is removed whether or not the mount worked.
  probe: ['-c', 'd=$(mktemp -d) || exit 1; err=$(mount -t tmpfs -o size=64k tmpfs "$d" 2>&1 && umount "$d" 2>&1); ok=$?; rmdir "$d" 2>/dev/null; [ $ok -eq 0 ] || { echo "mount -t tmpfs: $(printf %s "$err" | head -n 1)" >&2; exit 1; }; echo "mount -t tmpfs"'],
  install: 'run the tests as root with CAP_SYS_ADMIN (in a container: --cap-add SYS_ADMIN, or --privileged)',
};

/**
 * A python with the Prometheus project's Python client: its text-format parser
 * (prometheus_client.parser) reads what /metrics serves (test/integration/metrics.test.ts).
 */
export const PYTHON_WITH_PROMETHEUS_CLIENT: ToolSpec = {
  name: 'python with prometheus_client',
  candidates: ['$RIFFLE_PYTHON', '/usr/bin/python3', 'python3'],
  probe: ['-c', 'import sys, prometheus_client; from prometheus_client.parser import text_string_to_metric_families; print(f"python {sys.version.split()[0]}, prometheus_client")'],
  install: 'apt-get install python3-prometheus-client, or pip install prometheus-client',
};

/** Debian's Chromium, which puppeteer-core drives headless (test/integration/dashboard.test.ts). */
export const CHROMIUM: ToolSpec = {
  name: 'Chromium',
  candidates: ['$RIFFLE_CHROMIUM', '/usr/bin/chromium', 'chromium'],
  probe: ['--version'], // 'Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)'
  install: 'apt-get install chromium',
};

/** OpenSSL's command line, to make the self-signed certificate the TLS tests serve and trust. */
export const OPENSSL: ToolSpec = {
  name: 'openssl',
  candidates: ['openssl', '/usr/bin/openssl'],
  probe: ['version'], // 'OpenSSL 3.0.x ...'
  install: 'apt-get install openssl',
};

/** GNU gzip, to decompress Firehose's GZIP objects (`gzip -dc`). */
export const GZIP: ToolSpec = {
  name: 'gzip',
  candidates: ['gzip'],
  probe: ['--version'], // 'gzip 1.12'
  install: 'apt-get install gzip',
};

/** Info-ZIP unzip, to list and extract Firehose's ZIP objects (`unzip -l`, `unzip -p`). */
export const UNZIP: ToolSpec = {
  name: 'unzip',
  candidates: ['unzip'],
  probe: ['-v'], // 'UnZip 6.00 of 20 April 2009, by Debian. Original by Info-ZIP.'
  install: 'apt-get install unzip',
};

/** Debian's snappy-java (libsnappy-java, with its JNI library from libsnappy-jni). */
export const SNAPPY_JAVA_JAR = '/usr/share/java/snappy-java.jar';
/** The program the Snappy tests run with it: `java -cp SNAPPY_JAVA_JAR SNAPPY_JAVA_CAT <mode> <in> <out> ...`. */
export const SNAPPY_JAVA_CAT = fileURLToPath(new URL('../unit/firehose/SnappyJavaCat.java', import.meta.url));

/** A java (11+: it runs SNAPPY_JAVA_CAT from source) that loads snappy-java and its JNI library. */
export const JAVA_WITH_SNAPPY_JAVA: ToolSpec = {
  name: 'java with snappy-java',
  candidates: ['java'],
  probe: ['-cp', SNAPPY_JAVA_JAR, SNAPPY_JAVA_CAT, '--version'], // 'snappy-java 1.1.8.3 (JNI /usr/lib/x86_64-linux-gnu/jni/libsnappyjava.so)'
  install: 'apt-get install libsnappy-java openjdk-17-jre-headless',
};

// --- finding them ------------------------------------------------------------------------------

interface Attempt {
  /** As the spec names it, with the value of a `$VAR`: '$RIFFLE_PYTHON=/usr/bin/python3'. */
  label: string;
  command?: string;
  version?: string;
  /** Why it is not usable: 'not set', 'not found', '"No module named 'boto3'"', 'aws-cli/1.45.11, not v2'. */
  problem?: string;
}

const PROBE_TIMEOUT_MS = 20_000;
const probes = new Map<string, Promise<{ output: string } | { problem: string }>>();

/** Runs `command ...args` once per test file, however many specs ask. */
function runProbe(command: string, args: string[]): Promise<{ output: string } | { problem: string }> {
  const key = JSON.stringify([command, args]);
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = new Promise((resolve) => {
      execFile(command, args, { timeout: PROBE_TIMEOUT_MS, env: { ...process.env, AWS_PAGER: '' } }, (err, stdout, stderr) => {
        if (err === null) return resolve({ output: stdout.trim() === '' ? stderr : stdout });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (e.code === 'ENOENT') return resolve({ problem: 'not found' });
        if (e.code === 'EACCES') return resolve({ problem: 'not executable' });
        if (e.killed === true) return resolve({ problem: `no answer in ${PROBE_TIMEOUT_MS / 1000} s` });
        // The last line a failing program prints says why ("ModuleNotFoundError: No module named 'boto3'").
        const last = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1);
        resolve({ problem: last === undefined ? `exit code ${String(e.code)}` : `"${last.replace(/^[\w.]*(Error|Exception): /, '')}"` });
      });
    });
    probes.set(key, probe);
  }
  return probe;
}

async function attempt(spec: ToolSpec, candidate: string): Promise<Attempt> {
  let command = candidate;
  let label = candidate;
  if (candidate.startsWith('$')) {
    const value = process.env[candidate.slice(1)];
    if (value === undefined || value === '') return { label, problem: 'not set' };
    command = value;
    label = `${candidate}=${value}`;
  }
  const result = await runProbe(command, spec.probe);
  if ('problem' in result) return { label, command, problem: result.problem };
  const version = (spec.version ?? ((out: string) => out.trim().split('\n')[0] ?? ''))(result.output).trim();
  const rejected = spec.reject?.(version);
  return rejected === undefined ? { label, command, version } : { label, command, version, problem: rejected };
}

/** What every candidate said, in the spec's order (probed in parallel). */
async function attempts(spec: ToolSpec): Promise<Attempt[]> {
  return Promise.all(spec.candidates.map((c) => attempt(spec, c)));
}

/** `tried $RIFFLE_PYTHON: not set; python3, /usr/bin/python3: "No module named 'boto3'"` */
function tried(all: Attempt[]): string {
  const groups: Array<{ labels: string[]; problem: string }> = [];
  for (const a of all) {
    const problem = a.problem ?? 'works';
    const group = groups.find((g) => g.problem === problem);
    if (group === undefined) groups.push({ labels: [a.label], problem });
    else group.labels.push(a.label);
  }
  return `tried ${groups.map((g) => `${g.labels.join(', ')}: ${g.problem}`).join('; ')}`;
}

/** The first candidate that works and is what the spec asks for, or why there is none. */
export async function findTool(spec: ToolSpec): Promise<Tool | MissingTool> {
  const all = await attempts(spec);
  const ok = all.find((a) => a.problem === undefined);
  if (ok !== undefined) return { name: spec.name, command: ok.command as string, version: ok.version as string };
  return { name: spec.name, missing: `no ${spec.name} (${tried(all)}); install: ${spec.install}` };
}

/** Every candidate that works, one per distinct version (to run a suite against each). */
export async function findTools(spec: ToolSpec): Promise<Tool[]> {
  const found = new Map<string, Tool>();
  for (const a of await attempts(spec)) {
    if (a.problem === undefined && !found.has(a.version as string)) {
      found.set(a.version as string, { name: spec.name, command: a.command as string, version: a.version as string });
    }
  }
  return [...found.values()];
}

// --- in a test file ----------------------------------------------------------------------------

/** RIFFLE_REQUIRE_TOOLS=1: a missing tool fails instead of skipping (CI). */
export const requireTools = !['', '0', undefined].includes(process.env.RIFFLE_REQUIRE_TOOLS);

const printed = new Set<string>();

/**
 * The tool, for a test file to run (call it at the top level of the file, or in a describe). When
 * it is missing: undefined, a line on stderr, and a test `needs <name>` that is skipped, or fails
 * with the same message under RIFFLE_REQUIRE_TOOLS=1. Gate the tests that need the tool with
 * `describe.runIf(tool)` (or `it.runIf`), their hooks inside.
 *
 * `tests` names what is skipped when that is not the whole file: 'the AWS CLI v2 tests'.
 */
export async function needTool(spec: ToolSpec, options: { tests?: string } = {}): Promise<Tool | undefined> {
  const found = await findTool(spec);
  if (found.missing === undefined) return found;
  const testPath = expect.getState().testPath;
  const file = testPath === undefined ? 'a test file' : relative(process.cwd(), testPath);
  const what = options.tests === undefined ? file : `${options.tests} in ${file}`;
  if (requireTools) {
    const message = `riffle tests: failing ${what} (RIFFLE_REQUIRE_TOOLS=1): ${found.missing}`;
    it(`needs ${spec.name}`, () => {
      const error = new Error(message);
      error.stack = `Error: ${message}`; // the message says it all; a stack into this helper would not help
      throw error;
    });
  } else {
    const message = `riffle tests: skipping ${what}: ${found.missing}`;
    if (!printed.has(message)) {
      printed.add(message);
      console.warn(message);
    }
    it.skip(`needs ${spec.name}`, () => {});
  }
  return undefined;
}
