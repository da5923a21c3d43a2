import { openTestPlatform, TEST_INTERNAL_SECRET } from '@tenantry/runtime/test-support';
import { createEvent, type EventDataInput, type EventType, type PlanId } from '@tenantry/contracts';
import { signIdentity, startHttpServer, type Identity, type RunningHttpServer } from '@tenantry/http';
import type { Platform } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';
import { eventually, uniqueName, type InfraEndpoints } from '@tenantry/testing';
import { assistantServiceWith, type AssistantServiceOptions } from '../ai-assistant-service';
import type { TaskView } from '../tasks/task-view';
import type { TaskWorker } from '../queue/task-worker';

export { TEST_INTERNAL_SECRET };
export const ADMIN: Identity = { role: 'admin' };
export const API = '/api/v1/ai-assistant';

/**
 * The real infrastructure of one suite alone: its Kafka namespace, and its database (each suite of
 * describeWithInfra has its own). The queue is shared by every worker that sees it, as in a deployment.
 */
export function isolatedEnv(infra: InfraEndpoints, prefix: string): Record<string, string> {
  return {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_NAMESPACE: uniqueName(prefix).replace(/[^a-z0-9-]/g, ''),
    ADMIN_API_KEY: 'assistant-int-test-admin-key'.padEnd(40, 'a'),
    MONGODB_URI: infra.mongodbUri,
  };
}

export const tenantKey = (tenantId: string, planId: PlanId = 'pro'): Identity => ({
  role: 'tenant',
  tenantId,
  keyId: `key_${tenantId}`,
  scopes: [],
  planId,
});

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface AssistantHarness {
  url: string;
  platform: Platform;
  workers: TaskWorker[];
  call(
    identity: Identity | null,
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
  /** Publishes an event as another service would (the read models consume it). */
  publish<T extends EventType>(type: T, tenantId: string, data: EventDataInput<T>): Promise<void>;
  /** Polls the task until `done` says so. */
  waitForTask(identity: Identity, id: string, done?: (task: TaskView) => boolean, timeoutMs?: number): Promise<TaskView>;
  close(): Promise<void>;
}

export interface AssistantHarnessOptions extends AssistantServiceOptions {
  /** Platform environment; default embedded (in-memory bus, database and cache). */
  env?: Record<string, string>;
  /** Share this platform (a second replica on the same database and bus). */
  platform?: Platform;
  serviceEnv?: Record<string, string>;
}

/** The ai-assistant service on a loopback port, driven the way the gateway would (signed identities). */
export async function startAssistantHarness(options: AssistantHarnessOptions = {}): Promise<AssistantHarness> {
  const logger = createLogger({ service: 'ai-assistant', level: (process.env['TEST_LOG_LEVEL'] as 'silent' | undefined) ?? 'silent' });
  const ownsPlatform = options.platform === undefined;
  const platform = options.platform ?? (await openTestPlatform('assistant-test', logger, options.env));
  const workers: TaskWorker[] = [];
  const service = assistantServiceWith({
    ...options,
    onWorker: (worker) => {
      workers.push(worker);
      options.onWorker?.(worker);
    },
  });
  const started = await service.start(platform, logger, {
    env: { ASSISTANT_POLL_INTERVAL: '100', ...options.serviceEnv },
    urlOf: () => 'http://127.0.0.1:1',
  });
  const server: RunningHttpServer = await startHttpServer(started.app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 1_000 });
  const secret = platform.config.internalSecret.value;

  const call: AssistantHarness['call'] = async (identity, method, path, callOptions = {}) => {
    const text = callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body);
    const signed = { method, url: path, audience: 'ai-assistant', ...(text === undefined ? {} : { bodyLength: Buffer.byteLength(text) }) };
    const headers: Record<string, string> = { ...(identity ? signIdentity(identity, signed, secret) : {}), ...callOptions.headers };
    if (text !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, ...(text === undefined ? {} : { body: text }) });
    const raw = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json');
    return { status: response.status, headers: response.headers, body: raw && json ? (JSON.parse(raw) as unknown) : raw || undefined };
  };

  return {
    url: server.url,
    platform,
    workers,
    call,
    async publish(type, tenantId, data) {
      await platform.bus.publish([createEvent(type, { tenantId, data, source: '/tenantry/test' })]);
    },
    waitForTask: (identity, id, done = (task) => ['succeeded', 'failed', 'cancelled'].includes(task.status), timeoutMs = 15_000) =>
      eventually(
        async () => {
          const reply = await call(identity, 'GET', `${API}/tasks/${id}${identity.role === 'admin' ? '' : ''}`);
          const task = reply.body as TaskView;
          return done(task) ? task : false;
        },
        { timeoutMs, description: `task ${id}` },
      ),
    async close() {
      await server.close();
      await started.stop?.();
      if (ownsPlatform) await platform.close();
    },
  };
}
