import { orExit } from '@tenantry/config';
import { DEFAULT_RETRY_POLICY } from '@tenantry/event-bus';
import { PersistentIdempotencyStore } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import type { AnyAction } from './actions/action';
import { actionRegistry } from './actions/registry';
import { createAssistantApp } from './ai-assistant-app';
import { loadAssistantConfig } from './assistant-config';
import { Incidents } from './incidents/incidents';
import { BUILT_IN_WORDING, llmPhraser } from './phrasing/phraser';
import { lanesCollection } from './queue/lane.collection';
import { TaskQueue } from './queue/task-queue';
import { TaskWorker } from './queue/task-worker';
import { followReadModelEvents } from './read-models/follow-events';
import { ReadModels } from './read-models/read-models';
import { ResultCache } from './results/result-cache';
import { schedulesCollection } from './schedules/schedule.collection';
import { Scheduler } from './schedules/scheduler';
import { Schedules } from './schedules/schedules';
import { tasksCollection } from './tasks/task.collection';
import { SupportTickets } from './tickets/support-tickets';
import { Tasks } from './tasks/tasks';

/** Consumer group of the workers: `task.queued` wakes one member, which claims fairly from the queue. */
export const WORKERS_CONSUMER_GROUP = 'ai-assistant-workers';
const MAX_RETRY_BACKOFF_MS = 30_000;

/** What tests swap: the actions (e.g. a slow one to cancel) and the clock. */
export interface AssistantServiceOptions {
  actions?: readonly AnyAction[];
  clock?: () => Date;
  /** Receives the worker this process runs (tests stop or crash it). */
  onWorker?: (worker: TaskWorker) => void;
  /** false: the worker waits for `start()` (tests fill the queue first). Default true. */
  startWorker?: boolean;
  /** Receives the scheduler this process runs (tests tick it with a movable clock). */
  onScheduler?: (scheduler: Scheduler) => void;
}

/** The ai-assistant service (MISSION §4): tasks on a fair queue, read models from events, actions over them. */
export function assistantServiceWith(options: AssistantServiceOptions = {}): ServiceDefinition {
  return {
    name: 'ai-assistant',
    // The database (its records, processed event ids, idempotency records, the outbox) and the event bus; no cache.
    needs: { persistence: true, eventBus: true, cache: false },
    async start(platform, logger, context) {
      const config = orExit(() => loadAssistantConfig(context.env));
      const clock = options.clock ?? (() => new Date());
      const actions = actionRegistry(options.actions);
      const [taskRepository, laneRepository, scheduleRepository, models, results, idempotencyStore, processedEvents] = await Promise.all([
        platform.persistence.repository(tasksCollection),
        platform.persistence.repository(lanesCollection),
        platform.persistence.repository(schedulesCollection),
        ReadModels.open(platform.persistence, { incidentPolicy: config.incidentPolicy }),
        ResultCache.open(platform.persistence),
        PersistentIdempotencyStore.open(platform.persistence),
        platform.persistence.processedEventStore(),
      ]);
      const queue = new TaskQueue({
        tasks: taskRepository,
        lanes: laneRepository,
        outbox: platform.outboxRelay,
        clock,
        leaseMs: config.ASSISTANT_LEASE,
        planConcurrency: config.planConcurrency,
      });
      const tasks = new Tasks({ tasks: taskRepository, queue, actions, clock, maxAttempts: config.ASSISTANT_MAX_ATTEMPTS });
      const schedules = new Schedules(scheduleRepository);
      const phraser = config.LLM_BASE_URL
        ? llmPhraser(
            { baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT },
            { knownSecrets: [platform.config.internalSecret.value, platform.config.adminApiKey.value], logger },
          )
        : BUILT_IN_WORDING;
      platform.housekeeping.every(idempotencyStore.pruningTask());

      const readModels = await followReadModelEvents({ bus: platform.bus, processedEvents, models, logger });
      const worker = config.ASSISTANT_WORKER
        ? new TaskWorker({
            tasks: taskRepository,
            queue,
            models,
            schedules,
            results,
            actions,
            phraser,
            clock,
            logger,
            capacity: config.ASSISTANT_WORKER_CAPACITY,
            leaseMs: config.ASSISTANT_LEASE,
            // One read per running task per beat (FerretDB round trips); a cancel request is seen within it.
            heartbeatMs: Math.min(500, Math.floor(config.ASSISTANT_LEASE / 4)),
            pollMs: config.ASSISTANT_POLL_INTERVAL,
            sweepMs: Math.max(100, Math.floor(config.ASSISTANT_LEASE / 2)),
            retryBackoffMs: (attempt) => Math.min(MAX_RETRY_BACKOFF_MS, config.ASSISTANT_RETRY_BACKOFF * 2 ** Math.max(0, attempt - 1)),
          })
        : undefined;
      const wakeUps = worker
        ? await platform.bus.subscribe({
            groupId: WORKERS_CONSUMER_GROUP,
            eventTypes: ['task.queued'],
            retry: DEFAULT_RETRY_POLICY,
            fromBeginning: false,
            // The task document is the truth; the event only says "look now". Nothing to lose by acknowledging.
            handler: async () => worker.wake(),
          })
        : undefined;
      if (worker) {
        if (options.startWorker !== false) worker.start();
        options.onWorker?.(worker);
      }

      const scheduler = config.ASSISTANT_SCHEDULER
        ? new Scheduler({ schedules: scheduleRepository, tasks, clock, intervalMs: config.ASSISTANT_SCHEDULER_INTERVAL, logger })
        : undefined;
      if (scheduler) {
        scheduler.start();
        options.onScheduler?.(scheduler);
      }

      const app = createAssistantApp({
        logger,
        readiness: platform.readiness,
        internalSecret: platform.config.internalSecret.value,
        identityMaxAgeMs: platform.config.identityMaxAgeMs,
        tasks,
        schedules,
        incidents: new Incidents(models, clock),
        tickets: new SupportTickets(models.tickets),
        actions,
        idempotencyStore,
        quickWaitMs: config.ASSISTANT_QUICK_WAIT,
        clock,
      });
      return {
        app,
        async stop() {
          await scheduler?.stop();
          await wakeUps?.stop({ timeoutMs: 5_000 });
          await worker?.stop();
          await readModels.stop({ timeoutMs: 10_000 });
        },
      };
    },
  };
}

export const aiAssistantService: ServiceDefinition = assistantServiceWith();
