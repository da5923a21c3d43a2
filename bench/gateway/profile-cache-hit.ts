/**
 * Investigation tool (not a scenario): starts the bench's gateway stack with a gateway under `--cpu-prof`,
 * loads it with cached GETs for PROFILE_SECONDS (default 8), stops it and prints where the CPU went.
 *   npx tsx bench/gateway/profile-cache-hit.ts [outDir]
 */
import { mkdirSync } from 'node:fs';
import { createBenchContext } from '../lib/context';
import { readNewestProfile } from './cpu-profile';
import { runLoad } from './load';
import { probe, tenantAuth } from './platform-api';
import { GatewayStack } from './stack';
import { tenantPath } from './g1-cached-get.bench';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function category(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'program';
  if (url.includes('@opentelemetry')) return 'opentelemetry';
  if (url.includes('ioredis') || url.includes('redis-parser') || url.includes('denque')) return 'ioredis';
  if (
    url.includes('/express/') ||
    url.includes('/router/') ||
    url.includes('body-parser') ||
    url.includes('finalhandler') ||
    url.includes('send/')
  )
    return 'express';
  if (url.includes('pino')) return 'pino';
  if (url.startsWith('node:') || url === '')
    return url.startsWith('node:')
      ? url
          .replace(/^node:internal\//, 'node:')
          .split('/')
          .slice(0, 2)
          .join('/')
      : `native ${fn}`;
  if (url.includes('/libs/')) return `ours ${url.split('/libs/')[1]?.split('/').slice(0, 3).join('/')}`;
  if (url.includes('node_modules')) return `dep ${url.split('node_modules/').pop()?.split('/')[0]}`;
  return url;
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? '/tmp/gateway-profile';
  mkdirSync(outDir, { recursive: true });
  const ctx = createBenchContext([], '', 'none');
  let loadResponses = 0;
  let window: [number, number] = [0, Number.POSITIVE_INFINITY];
  const stack = await GatewayStack.of(ctx);
  try {
    const gateway = await stack.startGateway('profiled', {
      sources: true, // the profile names our source files (a bundle would be one file)
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${outDir}`],
      env: { ...(process.env['PROFILE_ENV'] ? JSON.parse(process.env['PROFILE_ENV']) : {}) },
    });
    const url = `${gateway.url}${tenantPath(stack)}`;
    for (let i = 0; i < 3; i += 1) await probe(url, tenantAuth(stack.tenant));
    const head = await probe(url, tenantAuth(stack.tenant));
    print(`status ${head.status}, X-Cache-Status ${head.headers.get('x-cache-status') ?? 'none'}`);
    await runLoad({ url, headers: tenantAuth(stack.tenant), connections: 32, durationMs: 2_000 });
    const seconds = Number(process.env['PROFILE_SECONDS'] ?? 8);
    const loadStart = Number(process.hrtime.bigint() / 1000n);
    const load = await runLoad({ url, headers: tenantAuth(stack.tenant), connections: 32, durationMs: seconds * 1000 });
    loadResponses = load.responses;
    window = [loadStart, Number(process.hrtime.bigint() / 1000n)];
    print(`load: ${Math.round(load.perSecond)} req/s, p50 ${load.latency.p50Ms} ms p99 ${load.latency.p99Ms} ms`);
  } finally {
    await ctx.runCleanups();
  }
  const { file, profile } = readNewestProfile(outDir);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  let requests = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    // Only the measured load (CLOCK_MONOTONIC µs in both processes), not start-up and shutdown.
    if (!node || at < window[0] || at > window[1]) return;
    total += delta;
    const cat = category(node.callFrame.url, node.callFrame.functionName);
    self.set(cat, (self.get(cat) ?? 0) + delta);
    const fn = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`;
    fns.set(fn, (fns.get(fn) ?? 0) + delta);
  });
  const idle = self.get('idle') ?? 0;
  requests = loadResponses;
  print(
    `profile ${file}: ${(total / 1e6).toFixed(1)} s in the load window; busy ${((total - idle) / 1e6).toFixed(2)} s for ${requests} responses = ${((total - idle) / Math.max(1, requests)).toFixed(1)} µs of main-thread CPU per response`,
  );
  for (const [cat, time] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40))
    print(`${((time / total) * 100).toFixed(1).padStart(5)}%  ${((time / (total - idle)) * 100).toFixed(1).padStart(5)}% busy  ${cat}`);
  print('--- top functions (self)');
  for (const [fn, time] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 40))
    print(`${((time / (total - idle)) * 100).toFixed(1).padStart(5)}% busy  ${fn}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
