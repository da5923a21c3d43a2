import type { TaskFields } from '../tasks/task.collection';

/** A `test_slow` task that succeeded long ago: the history a claim must not read. */
export function finishedTask(label: string, at: Date): TaskFields {
  return {
    action: 'test_slow',
    parameters: { steps: 1, step_ms: 0, label },
    status: 'succeeded',
    plan_id: 'enterprise',
    progress: 100,
    step: 'done',
    attempts: 1,
    max_attempts: 3,
    not_before: at,
    cancel_requested: false,
    result: { label },
  };
}

/** What enqueue's first write leaves when its process dies before the second (the lane's): a queued task no lane lists. */
export function unlistedQueuedTask(label: string, at: Date, stepMs = 0): TaskFields {
  return {
    action: 'test_slow',
    parameters: { steps: 1, step_ms: stepMs, label },
    status: 'queued',
    plan_id: 'pro',
    progress: 0,
    step: 'queued',
    attempts: 0,
    max_attempts: 3,
    not_before: at,
    queued_at: at,
    cancel_requested: false,
  };
}
