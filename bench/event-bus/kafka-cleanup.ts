import { Kafka, logLevel } from 'kafkajs';

export interface KafkaCleanup {
  topics: number;
  groups: number;
  /** Groups the broker would not delete yet (e.g. still closing): they hold no data and expire with their offsets. */
  failures: string[];
}

/** Deletes the topics and consumer groups a bench run created (all named with the run's prefix). */
export async function deleteBenchTopicsAndGroups(brokers: readonly string[], prefix: string): Promise<KafkaCleanup> {
  const admin = new Kafka({ clientId: 'tenantry-bench-cleanup', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const failures: string[] = [];
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((groupId) => groupId.startsWith(prefix));
    let deletedGroups = 0;
    for (const groupId of groups) {
      try {
        await admin.deleteGroups([groupId]);
        deletedGroups += 1;
      } catch (error) {
        const detail = (error as { groups?: Array<{ error?: { type?: string } }> }).groups?.[0]?.error?.type;
        failures.push(`${groupId}: ${detail ?? (error instanceof Error ? error.message : String(error))}`);
      }
    }
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 15_000 });
    return { topics: topics.length, groups: deletedGroups, failures };
  } finally {
    await admin.disconnect();
  }
}
