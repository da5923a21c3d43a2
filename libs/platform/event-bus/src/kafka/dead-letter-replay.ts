import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { readDeadLetter } from '../dead-letter';
import { REPLAY_HEADER, type BusRecord } from '../records';

export interface ReplayDeadLettersOptions {
  /** The consumer group whose failures are replayed, as the service names it (the bus adds its prefix). */
  groupId: string;
  /** Also replay poison messages (not valid events; they fail again unless the consumer changed). Default false. */
  includePoison?: boolean;
  /** Count what would be replayed, publish nothing and remember nothing. */
  dryRun?: boolean;
  /** Give up (rejecting) when the dead-letter topic is not read through by then. Default 60 s. */
  timeoutMs?: number;
}

export interface ReplayReport {
  deadLetterTopic: string;
  /** Dead letters read (those before the topic's end when the replay started, not replayed before for this group). */
  examined: number;
  replayed: number;
  /** Read but not replayed: failures of other groups, and poison messages unless asked for. */
  skipped: { otherGroups: number; poison: number };
}

interface ReplayDeps {
  kafka: Kafka;
  admin: Admin;
  logger: Logger;
  /** `<topic>.dlq` of the event type. */
  deadLetterTopic: string;
  /** The full group id (with the bus's prefix) the letters name. */
  groupId: string;
  /** The group that keeps this replay's progress through the dead-letter topic. */
  replayGroupId: string;
  publish(records: readonly BusRecord[]): Promise<void>;
}

/**
 * Puts the dead letters of ONE consumer group back on their original topics, for that group only: each
 * copy carries `replay_for_group`, which every other group acknowledges without handling (they handled
 * or skipped the original), so nothing is counted twice elsewhere. Progress is a consumer group of its
 * own per replayed group (`replayGroupId`): a letter is replayed once, and a later replay picks up the
 * letters written since. Reads up to the topic's end as of the start, then stops.
 */
export async function replayDeadLetters(deps: ReplayDeps, options: ReplayDeadLettersOptions): Promise<ReplayReport> {
  const { admin, deadLetterTopic, groupId, replayGroupId } = deps;
  const report: ReplayReport = { deadLetterTopic, examined: 0, replayed: 0, skipped: { otherGroups: 0, poison: 0 } };
  const ends = new Map((await admin.fetchTopicOffsets(deadLetterTopic)).map(({ partition, high }) => [partition, Number(high)]));
  const [committed] = await admin.fetchOffsets({ groupId: replayGroupId, topics: [deadLetterTopic] });
  const nextOf = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, Math.max(0, Number(offset))]));
  const remaining = new Set([...ends].filter(([partition, end]) => (nextOf.get(partition) ?? 0) < end).map(([partition]) => partition));
  if (remaining.size === 0) return report;

  // A dry run reads with a throwaway group, so the replay group's progress stays where it is.
  const readerGroupId = options.dryRun ? `${replayGroupId}.dry-run.${process.pid}.${Date.now()}` : replayGroupId;
  const consumer = deps.kafka.consumer({ groupId: readerGroupId, maxWaitTimeInMs: 200 });
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const timer = setTimeout(
    () => fail(new Error(`Replaying ${deadLetterTopic} for ${groupId} did not finish within ${options.timeoutMs ?? 60_000} ms`)),
    options.timeoutMs ?? 60_000,
  );
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition) ?? 0;
        const offset = Number(message.offset);
        if (!remaining.has(partition) || offset < (nextOf.get(partition) ?? 0) || offset >= end) return;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = value.toString();
        const letter = readDeadLetter({ key: message.key?.toString() ?? null, value: message.value, headers });
        report.examined += 1;
        if (letter.consumerGroup !== groupId) report.skipped.otherGroups += 1;
        else if (letter.reason === 'poison' && !options.includePoison) report.skipped.poison += 1;
        else {
          if (!options.dryRun) {
            await deps.publish([
              {
                topic: letter.originalTopic,
                key: letter.key,
                value: message.value,
                headers: {
                  ...letter.headers,
                  [REPLAY_HEADER.forGroup]: groupId,
                  [REPLAY_HEADER.of]: `${deadLetterTopic}/${partition}/${message.offset}`,
                },
              },
            ]);
          }
          report.replayed += 1;
        }
        // Committed after the copy is acknowledged: a crash in between replays it again, never loses it.
        if (!options.dryRun) await consumer.commitOffsets([{ topic: deadLetterTopic, partition, offset: String(offset + 1) }]);
        if (offset + 1 >= end) {
          remaining.delete(partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    if (options.dryRun) await admin.deleteGroups([readerGroupId]).catch(() => undefined);
  }
  deps.logger.info({ ...report, groupId, dryRun: options.dryRun ?? false }, 'Dead letters of {groupId} replayed');
  return report;
}
