/**
 * `npm run bench`: every scenario against the real local Kafka and FerretDB (started through
 * infra/local when KAFKA_BROKERS / MONGODB_URI are not set), each result next to a baseline measured in
 * the same run; prints the tables and rewrites the results block of BENCHMARKS.md.
 * `npm run bench -- S1 S4` runs only some scenarios (and leaves BENCHMARKS.md alone).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { taskThroughput } from './ai-assistant/a1-task-throughput.bench';
import { fairness } from './ai-assistant/a2-fairness.bench';
import { meteringConsumerKeepsUp } from './billing/b1-metering-consumer.bench';
import { batchingProducer } from './event-bus/batching-producer.bench';
import { consumerKeepsUp } from './event-bus/consumer-keeps-up.bench';
import { inMemoryBus } from './event-bus/in-memory-bus.bench';
import { deleteBenchTopicsAndGroups } from './event-bus/kafka-cleanup';
import { kafkaClientVersion } from './event-bus/raw-kafkajs-baseline';
import { cachedGet } from './gateway/g1-cached-get.bench';
import { AUTOCANNON_VERSION } from './gateway/load';
import { proxiedGet } from './gateway/g2-proxied-get.bench';
import { addedLatency } from './gateway/g3-added-latency.bench';
import { rateLimiter } from './gateway/g4-rate-limiter.bench';
import { telemetry } from './gateway/g5-telemetry.bench';
import { metering } from './gateway/g6-metering.bench';
import { singleFlight } from './gateway/g7-single-flight.bench';
import { createBenchContext } from './lib/context';
import { codeVersion, ensureInfra, localFerretDbVersion, localKafkaVersion, localRedisVersion, machineInfo } from './lib/infra';
import { summarizeLines } from './lib/log-capture';
import { now } from './lib/measure';
import { ResourceMeter, localServerPids } from './lib/resources';
import { ratioSummary, renderMarkdown, renderText, type ScenarioResult } from './lib/report';
import type { Scenario } from './lib/scenario';
import { monthlySlaReport } from './observability/o1-monthly-report.bench';
import { alertEvaluationRound } from './observability/o2-alert-round.bench';
import { ingestKeepsUp } from './observability/o3-ingest-keeps-up.bench';
import { MongoBenchAdmin } from './persistence/mongo-admin';
import { outboxEndToEnd } from './persistence/outbox-end-to-end.bench';

const SCENARIOS: readonly Scenario[] = [
  batchingProducer,
  consumerKeepsUp,
  outboxEndToEnd,
  inMemoryBus,
  meteringConsumerKeepsUp,
  cachedGet,
  proxiedGet,
  addedLatency,
  rateLimiter,
  telemetry,
  metering,
  singleFlight,
  monthlySlaReport,
  alertEvaluationRound,
  ingestKeepsUp,
  taskThroughput,
  fairness,
];
/** Whatever happens (a hung broker, a stuck consumer), the run ends: every scenario is bounded well below this. */
const HARD_LIMIT_MS = 14 * 60_000;
const BENCHMARKS_FILE = path.resolve(__dirname, '../BENCHMARKS.md');
const START_MARKER = '<!-- bench:results:start (written by `npm run bench`; edit outside the markers) -->';
const END_MARKER = '<!-- bench:results:end -->';

const out = (text: string): void => {
  process.stdout.write(text);
};

async function main(): Promise<number> {
  const startedAt = new Date();
  const started = now();
  const wanted = process.argv.slice(2).map((arg) => arg.toUpperCase());
  const unknown = wanted.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0) throw new Error(`Unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const selected = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((scenario) => wanted.includes(scenario.id));

  const infra = await ensureInfra();
  const admin = await MongoBenchAdmin.connect(infra.mongodbUri);
  const server = await admin.serverInfo();
  const ctx = createBenchContext(infra.kafkaBrokers, infra.mongodbUri, server.ferretdbVersion === undefined ? 'MongoDB' : 'FerretDB');
  const machine = machineInfo();
  const serverPids = await localServerPids();
  const ferretdbBuilt = server.ferretdbVersion === 'unknown' && serverPids.has('FerretDB') ? await localFerretDbVersion() : undefined;
  const database =
    server.ferretdbVersion === undefined
      ? `MongoDB ${server.mongodbVersion}`
      : `FerretDB ${ferretdbBuilt ? `${ferretdbBuilt} (infra/local/ferretdb/go.mod; the binary reports "unknown"), SQLite backend` : server.ferretdbVersion}, wire-compatible with MongoDB ${server.mongodbVersion}`;
  const command = `npm run bench${wanted.length > 0 ? ` -- ${wanted.join(' ')}` : ''}`;
  const sharing =
    serverPids.size === 2
      ? `The bench process, Kafka and ${ctx.database} all run on these ${machine.cpus} CPUs.`
      : `Kafka and/or the database were not started by infra/local: their CPU is not reported.`;
  const environment = [
    `Date: ${startedAt.toISOString()}`,
    `Command: \`${command}\` (= \`tsx bench/run.ts\`), run id \`${ctx.runId}\`${process.env['BENCH_SCALE'] ? `, BENCH_SCALE=${process.env['BENCH_SCALE']}` : ''}`,
    `Code: ${await codeVersion()}`,
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.platform}`,
    `Node.js: ${machine.node}`,
    `Kafka: ${await localKafkaVersion()} at ${ctx.kafkaBrokers.join(',')}; client kafkajs ${await kafkaClientVersion()}`,
    `Database: ${database} at ${ctx.mongodbUri.replace(/\/\/[^@/]*@/, '//***@')}`,
    `${sharing} Tracing in the bench process: OpenTelemetry API without an SDK (no-op spans).`,
    ...(selected.some((scenario) => scenario.id.startsWith('G'))
      ? [
          `Gateway scenarios (G*): their own Kafka, FerretDB and Redis (infra/local/up.sh with a private TENANTRY_INFRA_DIR and free ports; Redis ${await localRedisVersion()}), the services as child processes run as the container runs them (their production bundles, scripts/build.mjs, with node and the telemetry register), autocannon ${AUTOCANNON_VERSION} in the bench process.`,
        ]
      : []),
  ];
  out(`Tenantry benchmarks\n${environment.map((line) => `  ${line}`).join('\n')}\n`);

  const results: ScenarioResult[] = [];
  try {
    for (const scenario of selected) {
      const result: ScenarioResult = {
        id: scenario.id,
        title: scenario.title,
        measurements: [],
        ratios: [],
        facts: [],
        checks: [],
        targets: [],
        notes: [],
        elapsedMs: 0,
      };
      const mark = ctx.logs.mark();
      const resources = new ResourceMeter(scenario.ownInfra ? new Map() : serverPids);
      await resources.start();
      const scenarioStarted = now();
      try {
        await scenario.run(ctx, result);
      } catch (error) {
        result.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
      }
      result.elapsedMs = now() - scenarioStarted;
      result.facts.push({ label: 'resources over the whole scenario', value: await resources.stop() });
      const logged = summarizeLines(ctx.logs.since(mark));
      if (logged) result.notes.push(logged);
      out(renderText(result));
      results.push(result);
    }
  } finally {
    const released = await ctx.runCleanups();
    if (released.length > 0) out(`\nCleanup failures: ${released.join('; ')}\n`);
    const topics = await deleteBenchTopicsAndGroups(ctx.kafkaBrokers, ctx.kafkaPrefix).catch(
      (error: unknown) => `not cleaned up: ${String(error)}`,
    );
    const dropped = await admin.dropCollections(ctx.collections).catch((error: unknown) => `not dropped: ${String(error)}`);
    await admin.close().catch(() => undefined);
    const kafkaCleanup =
      typeof topics === 'string'
        ? topics
        : `${topics.topics} topics and ${topics.groups} groups deleted${topics.failures.length > 0 ? ` (not deleted: ${topics.failures.join(', ')})` : ''}`;
    out(`\nCleanup: Kafka ${kafkaCleanup}; database ${typeof dropped === 'string' ? dropped : `${dropped.length} collections dropped`}\n`);
  }

  const totalS = ((now() - started) / 1000).toFixed(1);
  const summary = ratioSummary(results);
  out(`\nRatios (each against its baseline measured in this run)\n${summary.text}\n\nTotal: ${totalS} s\n`);

  if (wanted.length === 0) {
    const block = [
      START_MARKER,
      '## Latest run',
      '',
      ...environment.map((line) => `- ${line}`),
      `- Total time: ${totalS} s`,
      '',
      '### Ratios',
      '',
      summary.markdown,
      '',
      ...results.map(renderMarkdown),
      END_MARKER,
    ].join('\n');
    await writeFile(BENCHMARKS_FILE, spliceResults(await readFile(BENCHMARKS_FILE, 'utf8').catch(() => ''), block));
    out(`Results written to ${path.relative(process.cwd(), BENCHMARKS_FILE) || BENCHMARKS_FILE}\n`);
  } else {
    out('A subset of the scenarios ran: BENCHMARKS.md left as it is.\n');
  }
  const failed = results.filter((result) => result.error !== undefined || result.checks.some((check) => !check.ok && !check.unverified));
  if (failed.length > 0) out(`\nFailed: ${failed.map((result) => result.id).join(', ')} (an error or a failed correctness check)\n`);
  return failed.length > 0 ? 1 : 0;
}

/** Replaces the results block of BENCHMARKS.md, keeping everything written outside the markers. */
function spliceResults(existing: string, block: string): string {
  const start = existing.indexOf(START_MARKER);
  const end = existing.indexOf(END_MARKER);
  if (start >= 0 && end > start) return existing.slice(0, start) + block + existing.slice(end + END_MARKER.length);
  const intro = existing.trim() ? existing.trimEnd() : '# Benchmarks\n\nWritten by `npm run bench` (see bench/).';
  return `${intro}\n\n${block}\n`;
}

const hardLimit = setTimeout(() => {
  process.stderr.write(`bench: still running after ${HARD_LIMIT_MS / 60_000} min: giving up\n`);
  process.exit(2);
}, HARD_LIMIT_MS);
hardLimit.unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
