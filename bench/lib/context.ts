import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@tenantry/telemetry';
import { LogCapture } from './log-capture';

/** What every scenario gets from the runner. */
export interface BenchContext {
  /** Short, unique per run: every topic, group and collection of the run carries it. */
  readonly runId: string;
  readonly kafkaBrokers: readonly string[];
  readonly mongodbUri: string;
  /** What answers at `mongodbUri`, for labels: "FerretDB" or "MongoDB". */
  readonly database: string;
  /** The libraries' logger (warn and above, captured; the runner reports what each scenario logged). */
  readonly logger: Logger;
  readonly logs: LogCapture;
  /** Prefix of every Kafka topic and consumer group of this run. */
  readonly kafkaPrefix: string;
  /** A topic prefix for one part of a scenario: `bench-<run>.<part>.`. */
  topicPrefix(part: string): string;
  /** A consumer group id of this run. */
  groupId(part: string): string;
  /** A MongoDB collection name of this run (remembered, and dropped at the end). */
  collection(part: string): string;
  readonly collections: readonly string[];
  /** Registers what to release when the run ends (child processes, a database), after every scenario, in reverse order. */
  atEnd(cleanup: () => Promise<void>): void;
  /** Runs what `atEnd` registered (the runner calls it once); returns the failures' messages. */
  runCleanups(): Promise<string[]>;
}

export function createBenchContext(kafkaBrokers: readonly string[], mongodbUri: string, database: string): BenchContext {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const kafkaPrefix = `bench-${runId}.`;
  const logs = new LogCapture();
  const collections: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  return {
    runId,
    kafkaBrokers,
    mongodbUri,
    database,
    logs,
    logger: createLogger({ service: 'bench', level: 'warn', destination: logs }),
    kafkaPrefix,
    topicPrefix: (part) => `${kafkaPrefix}${part}.`,
    groupId: (part) => `${kafkaPrefix}${part}`,
    collection: (part) => {
      const name = `bench_${runId}_${part}`;
      collections.push(name);
      return name;
    },
    collections,
    atEnd: (cleanup) => void cleanups.push(cleanup),
    async runCleanups() {
      const failures: string[] = [];
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup().catch((error: unknown) => failures.push(error instanceof Error ? error.message : String(error)));
      }
      return failures;
    },
  };
}
