import { createEvent, type EventDataInput, type EventType, type PlanId } from '@tenantry/contracts';
import { createInMemoryPersistence } from '@tenantry/persistence';
import type { ActionContext, ActionDefinition } from '../actions/action';
import { applyEvent, type ReadModelEvent } from '../read-models/follow-events';
import { DataVersionTracker, ReadModels } from '../read-models/read-models';
import { schedulesCollection } from '../schedules/schedule.collection';
import { Schedules } from '../schedules/schedules';

/** One event as another service publishes it (tenant = its subject); `time` sets the CloudEvent time. */
export function readModelEvent<K extends EventType>(type: K, tenantId: string, data: EventDataInput<K>, time?: string): ReadModelEvent {
  return createEvent(type, { tenantId, data, source: '/test', ...(time ? { time: new Date(time) } : {}) }) as unknown as ReadModelEvent;
}

/**
 * Runs an action the way a worker does (parse the parameters, load from the read models, compute), on
 * read models built by applying `events`: a spec states the events and the expected figures, nothing else.
 */
export async function runAction<P, I, R>(
  action: ActionDefinition<P, I, R>,
  events: readonly ReadModelEvent[],
  options: {
    tenantId: string;
    now: string;
    parameters?: Record<string, unknown>;
    planId?: PlanId;
    requestedBy?: 'tenant' | 'admin';
    /** Writes what no event builds (e.g. triaged support tickets) into the read models first. */
    seed?: (models: ReadModels) => Promise<void>;
    taskId?: string;
  },
): Promise<R> {
  const persistence = createInMemoryPersistence();
  const models = await ReadModels.open(persistence);
  for (const event of events) await applyEvent(models, event);
  await options.seed?.(models);
  const context: ActionContext = {
    tenantId: options.tenantId,
    taskId: options.taskId ?? 'tsk_test',
    schedules: new Schedules(await persistence.repository(schedulesCollection)),
    planId: options.planId,
    now: new Date(options.now),
    requestedBy: options.requestedBy ?? 'tenant',
    models,
    signal: new AbortController().signal,
    progress: async () => undefined,
  };
  const parameters = action.parameters.parse(options.parameters ?? {});
  const inputs = await action.load(context, parameters, new DataVersionTracker());
  return action.compute(inputs, parameters, context);
}
