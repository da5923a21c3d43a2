/**
 * Investigation tool (not a scenario): what the gateway's event loop is busy with when a cache hit at
 * half load takes tens of milliseconds (G3's p99). Starts the bench's gateway stack with the gateway
 * under `--cpu-prof` (sampling every 100 µs), measures its max cached-GET rate, loads it at half of that
 * with the paced generator G3 uses, then lists the longest stretches in which the gateway's main thread
 * never went idle — a request arriving then waits for the whole stretch — and what filled them.
 *   npx tsx bench/gateway/profile-tail.ts [outDir]
 *   GATEWAY_NODE_ARGS='--max-semi-space-size=64' npx tsx bench/gateway/profile-tail.ts   # V8 flags to try
 */
import { mkdirSync } from 'node:fs';
import { createBenchContext } from '../lib/context';
import { readNewestProfile, type Profile, type ProfileNode } from './cpu-profile';
import { runQueueWait } from '../lib/resources';
import { tenantPath } from './g1-cached-get.bench';
import { runLoad } from './load';
import { runPacedLoad } from './paced-load';
import { probe, tenantAuth } from './platform-api';
import { GatewayStack } from './stack';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** A stretch of consecutive samples with no idle one: the event loop did not get back to polling. */
interface Stretch {
  startUs: number;
  us: number;
  frames: Map<string, number>;
}

function frameName(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  const where = url.includes('node_modules/')
    ? (url.split('node_modules/').pop()?.split('/').slice(0, 2).join('/') ?? url)
    : url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} ${where}`;
}

function stretches(profile: Profile, window: readonly [number, number]): { busyUs: number; totalUs: number; list: Stretch[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const list: Stretch[] = [];
  let current: Stretch | undefined;
  let at = profile.startTime;
  let busyUs = 0;
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    const node = byId.get(id);
    if (!node || at < window[0] || at > window[1]) return;
    totalUs += delta;
    if (node.callFrame.functionName === '(idle)') {
      if (current) list.push(current);
      current = undefined;
      return;
    }
    busyUs += delta;
    current ??= { startUs: at - delta, us: 0, frames: new Map() };
    current.us += delta;
    const name = frameName(node);
    current.frames.set(name, (current.frames.get(name) ?? 0) + delta);
  });
  if (current) list.push(current);
  return { busyUs, totalUs, list };
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? '/tmp/gateway-tail-profile';
  mkdirSync(outDir, { recursive: true });
  const ctx = createBenchContext([], '', 'none');
  const seconds = Number(process.env['PROFILE_SECONDS'] ?? 10);
  let window: [number, number] = [0, Number.POSITIVE_INFINITY];
  let responses = 0;
  const stack = await GatewayStack.of(ctx);
  try {
    const gateway = await stack.startGateway('profiled', {
      sources: true, // the profile names our source files (a bundle would be one file)
      nodeArgs: [
        '--cpu-prof',
        '--cpu-prof-interval=100',
        `--cpu-prof-dir=${outDir}`,
        ...(process.env['GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
      ],
    });
    const url = `${gateway.url}${tenantPath(stack)}`;
    const headers = tenantAuth(stack.tenant);
    for (let i = 0; i < 3; i += 1) await probe(url, headers);
    const max = await runLoad({ url, headers, connections: 32, durationMs: 3_000 });
    const perSecond = Math.round(max.perSecond / 2);
    await runPacedLoad({ url, headers, perSecond, durationMs: 2_000 });
    const waitBefore = await runQueueWait(gateway.child.pid ?? 0);
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const load = await runPacedLoad({ url, headers, perSecond, durationMs: seconds * 1000 });
    window = [startUs, Number(process.hrtime.bigint() / 1000n)];
    const waitAfter = await runQueueWait(gateway.child.pid ?? 0);
    responses = load.responses;
    print(
      `max ${Math.round(max.perSecond)} req/s; paced at ${perSecond} req/s: p50 ${load.latency.p50Ms} ms, p99 ${load.latency.p99Ms} ms`,
    );
    if (waitBefore && waitAfter)
      print(
        `gateway main thread waited for a CPU ${((waitAfter.waitMs - waitBefore.waitMs) / seconds).toFixed(0)} ms/s ` +
          `(${((waitAfter.preemptions - waitBefore.preemptions) / seconds).toFixed(0)} preemptions/s)`,
      );
  } finally {
    await ctx.runCleanups();
  }
  const { file, profile } = readNewestProfile(outDir);
  const { busyUs, totalUs, list } = stretches(profile, window);
  const longest = [...list].sort((a, b) => b.us - a.us);
  const over = (ms: number) => list.filter((stretch) => stretch.us >= ms * 1000);
  print(
    `profile ${file}: busy ${((busyUs / totalUs) * 100).toFixed(0)}% of ${(totalUs / 1e6).toFixed(1)} s, ${responses} responses; ` +
      `${list.length} busy stretches, ${over(5).length} ≥ 5 ms, ${over(10).length} ≥ 10 ms, ${over(20).length} ≥ 20 ms ` +
      `(${((over(5).reduce((sum, stretch) => sum + stretch.us, 0) / totalUs) * 100).toFixed(1)}% of the time in stretches ≥ 5 ms)`,
  );
  const inLong = new Map<string, number>();
  for (const stretch of over(5)) for (const [name, us] of stretch.frames) inLong.set(name, (inLong.get(name) ?? 0) + us);
  const longUs = [...inLong.values()].reduce((sum, us) => sum + us, 0);
  print('--- what fills the stretches ≥ 5 ms (self time)');
  for (const [name, us] of [...inLong].sort((a, b) => b[1] - a[1]).slice(0, 25))
    print(`${((us / Math.max(1, longUs)) * 100).toFixed(1).padStart(5)}%  ${name}`);
  print('--- the ten longest stretches');
  for (const stretch of longest.slice(0, 10)) {
    const top = [...stretch.frames]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([name, us]) => `${name} ${(us / 1000).toFixed(1)}`)
      .join('; ');
    print(`${(stretch.us / 1000).toFixed(1).padStart(6)} ms at +${((stretch.startUs - window[0]) / 1e6).toFixed(2)} s: ${top}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
