import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createEvent } from '@tenantry/contracts';
import { KafkaEventBus } from '@tenantry/event-bus';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { createLogger } from '@tenantry/telemetry';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs the CLI; resolves with its exit code and output whatever the code. */
async function replayCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, ['tools/ops/replay-dead-letters.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run dlq:replay: arguments', () => {
  it.each([
    [['--group', 'billing-tenants'], '--type must be an event type'],
    [['--type', 'tenant.exploded', '--group', 'billing-tenants'], '--type must be an event type'],
    [['--type', 'tenant.created'], '--group must name the consumer group'],
    [['--type', 'tenant.created', '--group', 'billing-tenants'], 'KAFKA_BROKERS is not set'],
  ])('when run with %j, then it exits 2 saying what is wrong', async (args, message) => {
    const result = await replayCli(args, {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: npm run dlq:replay');
  });
});

describeWithInfra('npm run dlq:replay on a real broker', ['kafka'], (infra) => {
  it('when a group dead-lettered an event, then the command replays it to that group and prints the report', async () => {
    const namespace = uniqueName('dlqcli');
    const logger = createLogger({ service: 'dlq-cli-test', level: 'silent' });
    const bus = new KafkaEventBus({
      brokers: infra.kafkaBrokers,
      clientId: 'dlq-cli-test',
      logger,
      topicPrefix: `${namespace}.`,
      groupPrefix: `${namespace}.`,
    });
    try {
      let broken = true;
      const handled: string[] = [];
      await bus.subscribe({
        groupId: 'billing-tenants',
        eventTypes: ['tenant.updated'],
        fromBeginning: true,
        retry: { maxAttempts: 1, initialBackoffMs: 10, maxBackoffMs: 10 },
        handler: async (event) => {
          if (broken) throw new Error('not yet');
          handled.push(event.id);
        },
      });
      const tenantId = uniqueName('tenant');
      const event = createEvent('tenant.updated', {
        tenantId,
        source: '/tenantry/tests',
        data: { tenant_id: tenantId, changes: { name: 'Renamed' }, updated_at: new Date().toISOString() },
      });
      await bus.publish([event]);
      const env = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), KAFKA_NAMESPACE: namespace };
      await eventually(
        async () => (await bus.replayDeadLetters('tenant.updated', { groupId: 'billing-tenants', dryRun: true })).replayed === 1,
        {
          timeoutMs: 20_000,
          intervalMs: 250,
          description: 'the event in the dead-letter topic',
        },
      );

      broken = false;
      const result = await replayCli(['--type', 'tenant.updated', '--group', 'billing-tenants'], env);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        deadLetterTopic: `${namespace}.tenant.updated.dlq`,
        examined: 1,
        replayed: 1,
        dryRun: false,
      });
      await eventually(() => handled.includes(event.id), { timeoutMs: 20_000, description: 'the replayed event handled' });
    } finally {
      await bus.close();
    }
  }, 90_000);
});
