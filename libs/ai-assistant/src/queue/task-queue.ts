import { ConflictError, type PlanId } from '@tenantry/contracts';
import type { OutboxNotifier } from '@tenantry/event-bus';
import { assistantEvent } from '../events';
import { upsertWith } from '../read-models/upsert';
import { generateId } from '@tenantry/persistence';
import { tasksCollection, type Task, type TaskFields, type TaskRepository } from '../tasks/task.collection';
import { concurrencyOf, DEFAULT_PLAN_CONCURRENCY } from './concurrency';
import { laneId, type Lane, type LaneRepository } from './lane.collection';

/** Lanes looked at per claim: more tenants than this with queued work are served in later passes. */
const MAX_LANES_PER_PASS = 1_000;
const EXPIRED_LEASES_PER_SWEEP = 100;

export interface TaskQueueOptions {
  tasks: TaskRepository;
  lanes: LaneRepository;
  outbox: OutboxNotifier;
  clock: () => Date;
  /** How long a lease (and a fresh slot reservation) lasts without a heartbeat. */
  leaseMs: number;
  planConcurrency?: Readonly<Record<PlanId, number>>;
}

/**
 * The queue, kept in the database: tasks, and one lane per tenant. Claims go round-robin over the lanes
 * with queued work (the least recently served first), so a tenant with a thousand queued tasks takes
 * one turn like a tenant with one; each claim reserves a slot on the lane (per-plan concurrency) and
 * then leases the tenant's oldest due task, both by conditional writes, so replicas never double-claim.
 */
export class TaskQueue {
  constructor(private readonly options: TaskQueueOptions) {}

  /** Puts a new task in the queue: the task and its `task.queued` wake-up in one write, then the lane (`taskId`: this id, else a new one). */
  async enqueue(tenantId: string, fields: Omit<TaskFields, 'status' | 'queued_at' | 'not_before'>, taskId?: string): Promise<Task> {
    const now = this.options.clock();
    // A given id makes the enqueue happen once: a second insert of it is a ConflictError (the scheduler's runs).
    const id = taskId ?? generateId(tasksCollection.idPrefix);
    const event = assistantEvent(
      'task.queued',
      tenantId,
      { task_id: id, tenant_id: tenantId, action: fields.action, attempt: fields.attempts + 1, queued_at: now.toISOString() },
      now,
    );
    const task = await this.options.tasks.insert(
      tenantId,
      { ...fields, status: 'queued', queued_at: now, not_before: now },
      { id, events: [event] },
    );
    await this.touchLane(tenantId);
    this.options.outbox.notify();
    return task;
  }

  /** Queues a task that exists (created `pending`, retried, or taken over after a lost lease). */
  async requeue(task: Task, changes: Partial<TaskFields>, notBefore: Date): Promise<Task | null> {
    const now = this.options.clock();
    try {
      const updated = await this.options.tasks.update(
        task.tenantId,
        task.id,
        {
          ...changes,
          status: 'queued',
          queued_at: task.queued_at ?? now,
          not_before: notBefore,
          lease_owner: undefined,
          lease_until: undefined,
        },
        { expectedVersion: task.version, events: [this.queuedEvent(task, now)] },
      );
      await this.touchLane(task.tenantId);
      this.options.outbox.notify();
      return updated;
    } catch (error) {
      if (error instanceof ConflictError) return null;
      throw error;
    }
  }

  /**
   * Marks the lane as having work, writing only when it does not say so already (so concurrent submits
   * do not contend on it). Safe with a worker clearing the flag at the same moment: the task was written
   * before this read, and a worker re-checks for queued tasks after it clears the flag (see claimFromLane).
   */
  private async touchLane(tenantId: string): Promise<void> {
    await upsertWith(this.options.lanes, tenantId, laneId(tenantId), (current) =>
      current?.has_work ? null : { has_work: true, last_claim_at: current?.last_claim_at ?? new Date(0), running: current?.running ?? [] },
    );
  }

  /** Leases the next task fairly, or null when nothing may run now. */
  async claimNext(owner: string): Promise<Task | null> {
    const now = this.options.clock();
    const lanes = await this.options.lanes.admin.listAcrossTenants({ filter: { has_work: true }, limit: MAX_LANES_PER_PASS });
    const order = [...lanes.items].sort((a, b) => a.last_claim_at.getTime() - b.last_claim_at.getTime());
    for (const lane of order) {
      const claimed = await this.claimFromLane(lane, owner, now);
      if (claimed) return claimed;
    }
    return null;
  }

  private async claimFromLane(lane: Lane, owner: string, now: Date): Promise<Task | null> {
    const { tasks, lanes } = this.options;
    const tenantId = lane.tenantId;
    const next = await tasks.findOne(tenantId, { status: 'queued', not_before: { $lte: now } });
    if (!next) {
      if ((await tasks.count(tenantId, { status: 'queued' })) === 0) {
        const cleared = await lanes
          .update(tenantId, lane.id, { has_work: false }, { expectedVersion: lane.version })
          .then(() => true, ignoreConflict);
        // A task submitted while the flag was being cleared may have seen it still set: look once more.
        if (cleared && (await tasks.count(tenantId, { status: 'queued' })) > 0) await this.touchLane(tenantId);
      }
      return null;
    }
    const live = await this.liveSlots(lane, now);
    if (live.length >= concurrencyOf(next.plan_id, this.options.planConcurrency ?? DEFAULT_PLAN_CONCURRENCY)) return null;
    try {
      await lanes.update(
        tenantId,
        lane.id,
        { running: [...live, { task_id: next.id, reserved_at: now }], last_claim_at: now },
        { expectedVersion: lane.version },
      );
    } catch (error) {
      if (error instanceof ConflictError) return null; // another replica claimed from this lane: look again next pass
      throw error;
    }
    try {
      return await tasks.update(
        tenantId,
        next.id,
        {
          status: 'running',
          lease_owner: owner,
          lease_until: new Date(now.getTime() + this.options.leaseMs),
          attempts: next.attempts + 1,
          started_at: now,
          progress: 0,
          step: 'starting',
        },
        { expectedVersion: next.version },
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await this.releaseSlot(tenantId, next.id); // cancelled or taken meanwhile
      return null;
    }
  }

  /** Slots still holding: reserved less than a lease ago, or whose task holds a live lease. */
  private async liveSlots(lane: Lane, now: Date): Promise<Lane['running']> {
    const fresh = lane.running.filter((slot) => now.getTime() - slot.reserved_at.getTime() < this.options.leaseMs);
    const older = lane.running.filter((slot) => !fresh.includes(slot));
    if (older.length === 0) return fresh;
    const running = await this.options.tasks.list(lane.tenantId, { filter: { status: 'running', lease_until: { $gt: now } }, limit: 1000 });
    const leased = new Set(running.items.map((task) => task.id));
    return [...fresh, ...older.filter((slot) => leased.has(slot.task_id))];
  }

  async releaseSlot(tenantId: string, taskId: string): Promise<void> {
    await upsertWith(this.options.lanes, tenantId, laneId(tenantId), (current) =>
      current && current.running.some((slot) => slot.task_id === taskId)
        ? {
            has_work: current.has_work,
            last_claim_at: current.last_claim_at,
            running: current.running.filter((slot) => slot.task_id !== taskId),
          }
        : null,
    );
  }

  /**
   * Tasks whose worker stopped renewing its lease (it died, or lost the database): queued again for
   * another worker, or failed once their attempts are spent. Conditional on the version read, so two
   * sweepers never both take one over.
   */
  async recoverExpiredLeases(): Promise<number> {
    const now = this.options.clock();
    const expired = await this.options.tasks.admin.listAcrossTenants({
      filter: { status: 'running', lease_until: { $lt: now } },
      limit: EXPIRED_LEASES_PER_SWEEP,
    });
    let recovered = 0;
    for (const task of expired.items) {
      const message = `the worker running attempt ${task.attempts} stopped renewing its lease`;
      if (task.attempts >= task.max_attempts) {
        const failed = await this.options.tasks
          .update(
            task.tenantId,
            task.id,
            { status: 'failed', error: message, finished_at: now, lease_owner: undefined, lease_until: undefined },
            { expectedVersion: task.version },
          )
          .then(() => true, ignoreConflict);
        if (failed) await this.releaseSlot(task.tenantId, task.id);
        recovered += failed ? 1 : 0;
      } else if (await this.requeue(task, { error: message, progress: 0, step: 'queued again after a worker was lost' }, now)) {
        await this.releaseSlot(task.tenantId, task.id);
        recovered += 1;
      }
    }
    return recovered;
  }

  private queuedEvent(task: Task, now: Date) {
    return assistantEvent(
      'task.queued',
      task.tenantId,
      { task_id: task.id, tenant_id: task.tenantId, action: task.action, attempt: task.attempts + 1, queued_at: now.toISOString() },
      now,
    );
  }
}

function ignoreConflict(error: unknown): false {
  if (error instanceof ConflictError) return false;
  throw error;
}
