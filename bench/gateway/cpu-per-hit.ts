/**
 * Investigation tool (not a scenario): the CPU a cached hit costs the gateway process (and Redis), read
 * from /proc/<pid>/stat (user + system) before and after exactly `--hits` cached GETs of the load
 * generator, per gateway variant, rounds interleaved. Independent of throughput, so far less sensitive to
 * what else runs on the machine than G1's requests per second (the neighbours take cores, not CPU time
 * of the measured process — up to cache and frequency effects).
 *
 *   flock /tmp/bench.lock npx tsx bench/gateway/cpu-per-hit.ts [--hits 20000] [--rounds 5] [--traced] [--root DIR]…
 *
 * - `--root DIR` (repeatable): a gateway run from that checkout (a worktree with node_modules), e.g.
 *   `--root /work/main --root .` for before/after on one stack; default: this checkout only;
 * - `--traced`: each root also as a traced gateway (OTLP/protobuf export of every request to a local
 *   sink, always_on: G5's traced variant); the plain one runs as G1's (no OTEL_*);
 * - `--traced-env '{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE":"128"}'` (repeatable, implies `--traced`): one more
 *   traced variant per root with these variables on top (batch span processor settings, …);
 * - `--node-args='--max-semi-space-size=16'` (repeatable; with `=`, the value starts with a dash): one more untraced variant per root whose node
 *   runs with these flags (space-separated; garbage collector settings, …).
 * Prints, per variant, the µs of CPU per hit (gateway; Redis) of every round and their medians.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchContext } from '../lib/context';
import { cpuSeconds } from '../lib/resources';
import { expectCacheHit, tenantPath } from './g1-cached-get.bench';
import { describeStatuses, runLoad } from './load';
import { tenantAuth } from './platform-api';
import { GatewayStack, type ServiceProcess } from './stack';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

interface Variant {
  label: string;
  gateway: ServiceProcess;
  gatewayUs: number[];
  redisUs: number[];
  perSecond: number[];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function cpuOf(pid: number | undefined): Promise<number> {
  return pid === undefined ? 0 : ((await cpuSeconds(pid)) ?? 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hits: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      traced: { type: 'boolean', default: false },
      root: { type: 'string', multiple: true },
      'traced-env': { type: 'string', multiple: true },
      'node-args': { type: 'string', multiple: true },
    },
  });
  const hits = Number(values.hits);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const roots = (values.root ?? ['.']).map((root) => path.resolve(root));
  const tracedEnvs = (values['traced-env'] ?? []).map((json) => JSON.parse(json) as Record<string, string>);
  const nodeArgSets = (values['node-args'] ?? []).map((args) => args.split(' ').filter((arg) => arg !== ''));
  const ctx = createBenchContext([], '', 'none');
  const stack = await GatewayStack.of(ctx);
  try {
    const sink =
      values.traced || tracedEnvs.length > 0
        ? await stack.startBenchServer('otlp-sink', 'bench/gateway/servers/otlp-sink.ts', (port) => [String(port)])
        : undefined;
    const variants: Variant[] = [];
    for (const [index, root] of roots.entries()) {
      const name = roots.length > 1 ? `${path.basename(root)}#${index}` : path.basename(root);
      const kinds: Array<[string, NodeJS.ProcessEnv, string[]?]> = [['default', {}]];
      for (const nodeArgs of nodeArgSets) kinds.push([`node ${nodeArgs.join(' ')}`, {}, nodeArgs]);
      if (sink) {
        const traced = {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
          OTEL_TRACES_SAMPLER: 'always_on',
        };
        kinds.push(['traced', traced]);
        for (const extra of tracedEnvs) kinds.push([`traced ${JSON.stringify(extra)}`, { ...traced, ...extra }]);
      }
      for (const [kind, env, nodeArgs] of kinds) {
        const gateway = await stack.startGateway(`cpu-${name}-${kind}`.replace(/[^A-Za-z0-9#._-]/g, '_'), {
          env,
          root,
          ...(nodeArgs ? { nodeArgs } : {}),
        });
        await expectCacheHit(stack, gateway.url);
        variants.push({ label: `${root} ${kind}`, gateway, gatewayUs: [], redisUs: [], perSecond: [] });
      }
    }
    const redisPid = stack.serverPids['Redis'];
    const load = (gateway: ServiceProcess, amount: number) =>
      runLoad({ url: `${gateway.url}${tenantPath(stack)}`, headers: tenantAuth(stack.tenant), connections, amount });
    // Warm-up: JIT, connection pools, the key resolver and the caches of every variant.
    for (const variant of variants) await load(variant.gateway, Math.min(hits, 5_000));
    for (let round = 0; round < rounds; round += 1) {
      for (const variant of variants) {
        const [gatewayBefore, redisBefore] = [await cpuOf(variant.gateway.child.pid), await cpuOf(redisPid)];
        const result = await load(variant.gateway, hits);
        const [gatewayAfter, redisAfter] = [await cpuOf(variant.gateway.child.pid), await cpuOf(redisPid)];
        const ok = result.statuses.get(200) ?? 0;
        if (ok !== result.responses) throw new Error(`${variant.label}: not every answer was 200 (${describeStatuses(result)})`);
        variant.gatewayUs.push(((gatewayAfter - gatewayBefore) * 1e6) / result.responses);
        variant.redisUs.push(((redisAfter - redisBefore) * 1e6) / result.responses);
        variant.perSecond.push(result.perSecond);
      }
    }
    print(`${hits} cached GETs per round, ${rounds} rounds, ${connections} connections; CPU from /proc/<pid>/stat (10 ms ticks)`);
    for (const variant of variants) {
      const status = await readFile(`/proc/${variant.gateway.child.pid}/status`, 'utf8').catch(() => '');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      const rounded = (list: number[]) => list.map((value) => value.toFixed(0)).join(' / ');
      print(
        `${variant.label}: gateway ${median(variant.gatewayUs).toFixed(1)} µs per hit (rounds ${rounded(variant.gatewayUs)}), ` +
          `Redis ${median(variant.redisUs).toFixed(1)} µs (${rounded(variant.redisUs)}), ${median(variant.perSecond).toFixed(0)} req/s, ` +
          `RSS ${rss === undefined ? '?' : `${(Number(rss) / 1024).toFixed(0)} MB`} after the rounds`,
      );
    }
  } finally {
    await ctx.runCleanups();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
