import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

export interface InfraEndpoints {
  kafkaBrokers: string[];
  mongodbUri: string;
  /** Whether this run started (or checked) infra/local itself. */
  startedLocally: boolean;
}

/**
 * Kafka and the MongoDB-compatible server: from KAFKA_BROKERS / MONGODB_URI when both are set, else
 * `bash infra/local/up.sh kafka mongo` (idempotent: starts what is not healthy, prints the exports;
 * its progress goes to our stderr).
 */
export async function ensureInfra(env: NodeJS.ProcessEnv = process.env): Promise<InfraEndpoints> {
  if (env['KAFKA_BROKERS'] && env['MONGODB_URI']) {
    return { kafkaBrokers: splitBrokers(env['KAFKA_BROKERS']), mongodbUri: env['MONGODB_URI'], startedLocally: false };
  }
  process.stderr.write('[bench] KAFKA_BROKERS / MONGODB_URI not set: starting infra/local (kafka, mongo)\n');
  const { stdout, stderr } = await run('bash', [path.join(ROOT, 'infra/local/up.sh'), 'kafka', 'mongo'], {
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stderr.write(stderr);
  const exported = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) exported.set(match[1], match[2].replace(/^['"]|['"]$/g, ''));
  }
  const brokers = exported.get('KAFKA_BROKERS');
  const mongodbUri = exported.get('MONGODB_URI');
  if (!brokers || !mongodbUri) throw new Error(`infra/local/up.sh did not print KAFKA_BROKERS and MONGODB_URI:\n${stdout}`);
  return { kafkaBrokers: splitBrokers(brokers), mongodbUri, startedLocally: true };
}

function splitBrokers(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/**
 * The Kafka version of a broker started by infra/local: kafkajs cannot ask a broker for it, so it is
 * read from the broker's class path (`…/kafka-<version>/libs/*`) via its pid file.
 */
export async function localKafkaVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const stateDir = env['TENANTRY_INFRA_DIR'] ?? path.join(os.homedir(), '.local/state/tenantry-infra');
  try {
    const pid = (await readFile(path.join(stateDir, 'kafka/kafka.pid'), 'utf8')).trim();
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    const version = /kafka-(\d[\w.-]*)\/libs/.exec(commandLine)?.[1];
    const heap = /-Xmx(\S+)/.exec(commandLine)?.[1];
    if (version) return `${version} (KRaft, single node${heap ? `, heap ${heap}` : ''})`;
  } catch {
    // not started by infra/local
  }
  return 'unknown (broker not started by infra/local)';
}

/** The FerretDB module version infra/local builds (its binary reports `ferretdbVersion: unknown`). */
export async function localFerretDbVersion(): Promise<string | undefined> {
  try {
    const goMod = await readFile(path.join(ROOT, 'infra/local/ferretdb/go.mod'), 'utf8');
    return /github\.com\/FerretDB\/FerretDB (v[\w.-]+)/.exec(goMod)?.[1];
  } catch {
    return undefined;
  }
}

/** `redis-server --version` of the local installation (what infra/local runs), or unknown. */
export async function localRedisVersion(): Promise<string> {
  try {
    const { stdout } = await run('redis-server', ['--version'], { timeout: 5_000 });
    return /v=(\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    return 'unknown (redis-server not on PATH)';
  }
}

/**
 * The commit measured and how many tracked files differed from it (read-only git calls: `--no-optional-locks`
 * keeps `status` from refreshing the index).
 */
export async function codeVersion(): Promise<string> {
  try {
    const { stdout: head } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, timeout: 5_000 });
    const { stdout: status } = await run('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      timeout: 10_000,
    });
    const modified = status.split('\n').filter(Boolean).length;
    return `commit ${head.trim()}${modified > 0 ? ` + uncommitted changes in ${modified} tracked file(s)` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
