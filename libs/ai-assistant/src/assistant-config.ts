import { duration, flag, int, jsonField, parseEnv, secret, url, type Env } from '@tenantry/config';
import { planIdSchema } from '@tenantry/contracts';
import { z } from 'zod';
import type { IncidentPolicy } from './incidents/correlate';
import { DEFAULT_PLAN_CONCURRENCY } from './queue/concurrency';

/** The ai-assistant service's own variables (the platform ones are in PlatformConfig). */
export const assistantEnvSchema = z.object({
  /** Run a task worker in this process (several processes with it on share the queue). */
  ASSISTANT_WORKER: flag(true),
  /** Tasks one worker runs at once, across tenants. */
  ASSISTANT_WORKER_CAPACITY: int({ min: 1, max: 256 }).default(8),
  /** Tasks of one tenant running at once across all workers, per plan, e.g. `{"pro":2,"enterprise":8}`. */
  ASSISTANT_PLAN_CONCURRENCY: jsonField(
    z.partialRecord(planIdSchema, z.number().int().min(1).max(256)),
    'a map of plan ids to integers 1–256',
  ).default({}),
  /**
   * A task whose worker did not renew its lease for this long is taken over by another worker (renewed every
   * third of it). 30 s (BullMQ's lock default): a worker whose CPU is starved or whose event loop is busy
   * with other tasks' computations for several seconds keeps its task (with 5 s, tasks ran twice under load: BENCHMARKS.md, A1).
   */
  ASSISTANT_LEASE: duration({ min: 500, max: 600_000 }).default(30_000),
  /** Attempts per task before it fails with the last error. */
  ASSISTANT_MAX_ATTEMPTS: int({ min: 1, max: 20 }).default(3),
  /** The first retry's delay; doubled per attempt, at most 30 s. */
  ASSISTANT_RETRY_BACKOFF: duration({ min: 0, max: 60_000 }).default(1_000),
  /** How long an idle worker waits for a wake-up before looking at the queue anyway. */
  ASSISTANT_POLL_INTERVAL: duration({ min: 10, max: 60_000 }).default(500),
  /** Run the scheduler in this process (every replica may: each run is created once). */
  ASSISTANT_SCHEDULER: flag(true),
  /** How often the scheduler looks for due schedules. */
  ASSISTANT_SCHEDULER_INTERVAL: duration({ min: 10, max: 60_000 }).default(1_000),
  /** How long a quick action waits for its result before answering 202. */
  ASSISTANT_QUICK_WAIT: duration({ min: 0, max: 30_000 }).default(3_000),
  /** Alerts of one service firing within this long of an incident's opening join it. */
  ASSISTANT_INCIDENT_WINDOW: duration({ min: 0, max: 86_400_000 }).default(5 * 60_000),
  /** An incident unresolved this long after it opened is escalated. */
  ASSISTANT_INCIDENT_ESCALATE_AFTER: duration({ min: 1_000, max: 30 * 86_400_000 }).default(30 * 60_000),
  /** An OpenAI-compatible API root (…/v1): summaries and reply drafts are phrased by its model. Unset: built-in wording. */
  LLM_BASE_URL: url({ protocols: ['http:', 'https:'] }).optional(),
  /** Sent as `Authorization: Bearer …` to LLM_BASE_URL only. */
  LLM_API_KEY: secret(1).optional(),
  /** The model name the endpoint serves. */
  LLM_MODEL: z.string().min(1).max(200).default('default'),
  /** How long a phrasing may take before the built-in wording is used. */
  LLM_TIMEOUT: duration({ min: 100, max: 120_000 }).default(10_000),
});

export type AssistantEnv = z.output<typeof assistantEnvSchema>;

export interface AssistantConfig extends AssistantEnv {
  planConcurrency: typeof DEFAULT_PLAN_CONCURRENCY;
  incidentPolicy: IncidentPolicy;
}

export function loadAssistantConfig(env: Env): AssistantConfig {
  const parsed = parseEnv(assistantEnvSchema, env);
  return {
    ...parsed,
    planConcurrency: { ...DEFAULT_PLAN_CONCURRENCY, ...parsed.ASSISTANT_PLAN_CONCURRENCY },
    incidentPolicy: { correlationWindowMs: parsed.ASSISTANT_INCIDENT_WINDOW, escalateAfterMs: parsed.ASSISTANT_INCIDENT_ESCALATE_AFTER },
  };
}
