import { createHash } from 'node:crypto';
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
/** Due tasks read per claim pass; a lane with none among them (more queued than this) is looked up alone. */
const DUE_PER_PASS = 1_000;
/** Passes in one claim when every lane a pass wanted was taken by another replica at the same moment. */
const MAX_PASSES_ON_CONFLICT = 3;
const EXPIRED_LEASES_PER_SWEEP = 100;
/** A pass takes its lanes among this many times as many least recently served lanes as it can take tasks, in its own order. */
const PREFERENCE_WINDOW = 2;

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
   * before this read, and a worker re-checks for queued tasks after it clears the flag (see clearWhenEmpty).
   */
  private async touchLane(tenantId: string): Promise<void> {
    await upsertWith(this.options.lanes, tenantId, laneId(tenantId), (current) =>
      current?.has_work ? null : { has_work: true, last_claim_at: current?.last_claim_at ?? new Date(0), running: current?.running ?? [] },
    );
  }

  /**
   * Leases up to `max` tasks fairly (none when nothing may run now): round-robin over the lanes with
   * queued work, the least recently served first, one task per lane per round, as far as each tenant's
   * plan allows. The due tasks come from ONE read per pass (on FerretDB 1.x every filter but a bare
   * `_id` decodes the whole collection, so a read per claim would cost a scan of the queue per task),
   * and the lanes' claims are written concurrently.
   */
  async claim(owner: string, max: number, attempt = 1): Promise<Task[]> {
    const { tasks, lanes } = this.options;
    const now = this.options.clock();
    const withFlag = await lanes.admin.listAcrossTenants({ filter: { has_work: true }, limit: MAX_LANES_PER_PASS });
    if (withFlag.items.length === 0 || max < 1) return [];
    const order = [...withFlag.items].sort((a, b) => a.last_claim_at.getTime() - b.last_claim_at.getTime());
    const due = await tasks.admin.listAcrossTenants({
      filter: { status: 'queued', not_before: { $lte: now } },
      limit: DUE_PER_PASS,
      sort: 'asc',
    });
    const candidates = new Map<string, Task[]>();
    for (const task of due.items) candidates.set(task.tenantId, [...(candidates.get(task.tenantId) ?? []), task]);
    const without = order.filter((lane) => !candidates.has(lane.tenantId));
    let idle: Lane[] = without;
    if (due.nextCursor !== null) {
      // More tasks are due than one read takes: a lane with none among them is looked up alone.
      idle = [];
      await Promise.all(
        without.map(async (lane) => {
          const next = await tasks.findOne(lane.tenantId, { status: 'queued', not_before: { $lte: now } });
          if (next) candidates.set(lane.tenantId, [next]);
        }),
      );
    }
    const ready = preferOwn(
      order.filter((lane) => candidates.has(lane.tenantId)),
      owner,
      PREFERENCE_WINDOW * max,
    );
    const limits = new Map(
      ready.map((lane) => [
        lane,
        concurrencyOf(candidates.get(lane.tenantId)?.[0]?.plan_id, this.options.planConcurrency ?? DEFAULT_PLAN_CONCURRENCY),
      ]),
    );
    // A finished task writes nothing to its lane: its slot entry stays until a pass needs the room. So the
    // plan is made with every entry counted, and only the lanes whose entries hold them back have their
    // slot holders read (by `_id`) and the plan made again with the slots that still hold.
    const live = new Map(ready.map((lane) => [lane, lane.running] as const));
    let shares = planShares(ready, candidates, live, limits, max);
    const held = ready.filter((lane) => {
      const share = shares.get(lane)?.length ?? 0;
      const room = (limits.get(lane) ?? 0) - lane.running.length;
      return lane.running.length > 0 && share >= room && share < (candidates.get(lane.tenantId)?.length ?? 0);
    });
    if (held.length > 0) {
      await Promise.all(held.map(async (lane) => live.set(lane, await this.liveSlots(lane, now))));
      shares = planShares(ready, candidates, live, limits, max);
    }
    const [claimed] = await Promise.all([
      Promise.all([...shares].map(([lane, share]) => this.claimFromLane(lane, live.get(lane) ?? [], share, owner, now))),
      Promise.all(idle.map((lane) => this.clearWhenEmpty(lane))),
    ]);
    // Every lane this pass wanted was just taken by another replica (they read the same order): the next pass sees that.
    if (claimed.length > 0 && claimed.every((share) => share === null) && attempt < MAX_PASSES_ON_CONFLICT)
      return this.claim(owner, max, attempt + 1);
    return claimed.flatMap((share) => share ?? []);
  }

  /** A lane with no due task: its flag is cleared when it has no queued task at all (none waiting for a retry either). */
  private async clearWhenEmpty(lane: Lane): Promise<void> {
    const { tasks, lanes } = this.options;
    const tenantId = lane.tenantId;
    if ((await tasks.count(tenantId, { status: 'queued' })) > 0) return;
    const cleared = await lanes
      .update(tenantId, lane.id, { has_work: false }, { expectedVersion: lane.version })
      .then(() => true, ignoreConflict);
    // A task submitted while the flag was being cleared may have seen it still set: look once more.
    if (cleared && (await tasks.count(tenantId, { status: 'queued' })) > 0) await this.touchLane(tenantId);
  }

  /**
   * Reserves the lane's slots for `taken` (one conditional write), then leases those tasks; null when
   * another replica claimed from the lane meanwhile.
   */
  private async claimFromLane(lane: Lane, live: Lane['running'], taken: readonly Task[], owner: string, now: Date): Promise<Task[] | null> {
    const { tasks, lanes } = this.options;
    const tenantId = lane.tenantId;
    try {
      await lanes.update(
        tenantId,
        lane.id,
        {
          running: [
            ...live.filter((slot) => !taken.some((task) => task.id === slot.task_id)),
            ...taken.map((task) => ({ task_id: task.id, reserved_at: now })),
          ],
          last_claim_at: now,
        },
        { expectedVersion: lane.version },
      );
    } catch (error) {
      if (error instanceof ConflictError) return null; // another replica claimed from this lane: look again next pass
      throw error;
    }
    const leased = await Promise.all(
      taken.map(async (next) => {
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
          return null; // cancelled or taken meanwhile: its slot holds nothing (see liveSlots)
        }
      }),
    );
    return leased.filter((task): task is Task => task !== null);
  }

  /**
   * The lane's slots that still hold, from their tasks read by `_id` (point reads; any other filter
   * decodes the task collection on FerretDB 1.x): a task running on a live lease, or one this slot is
   * being claimed for (reserved less than a lease ago, not started since). A finished task, one queued
   * again since its start, and one whose worker stopped renewing its lease (the sweep's) hold none.
   */
  private async liveSlots(lane: Lane, now: Date): Promise<Lane['running']> {
    const holders = await Promise.all(lane.running.map((slot) => this.options.tasks.findById(lane.tenantId, slot.task_id)));
    const seen = new Set<string>();
    return lane.running.filter((slot, i) => {
      const task = holders[i];
      if (!task || seen.has(slot.task_id)) return false;
      const holds =
        task.status === 'running'
          ? (task.lease_until?.getTime() ?? 0) > now.getTime()
          : task.status === 'queued' &&
            now.getTime() - slot.reserved_at.getTime() < this.options.leaseMs &&
            (task.started_at?.getTime() ?? 0) < slot.reserved_at.getTime();
      if (holds) seen.add(slot.task_id);
      return holds;
    });
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
        recovered += failed ? 1 : 0;
      } else if (await this.requeue(task, { error: message, progress: 0, step: 'queued again after a worker was lost' }, now)) {
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

/**
 * The lanes in round-robin order, except that the first `window` of them (the least recently served)
 * come in this worker's own order, a hash of worker and tenant: replicas claiming at the same moment
 * read the same order, and without this they would all want the same lanes, so all but one would lose
 * each lane's conditional write (a wasted pass, and lock waits on FerretDB). A lane among the least
 * recently served is still taken in this pass by one replica or another, or in the next.
 */
function preferOwn(lanes: readonly Lane[], owner: string, window: number): Lane[] {
  const head = lanes
    .slice(0, window)
    .map((lane) => ({ lane, rank: createHash('sha1').update(`${owner}/${lane.tenantId}`).digest().readUInt32BE(0) }));
  return [...head.sort((a, b) => a.rank - b.rank).map(({ lane }) => lane), ...lanes.slice(window)];
}

/**
 * Round-robin over the lanes in their order, one task per lane per round, as far as each lane's plan
 * leaves room beside its live slots, up to `max` tasks.
 */
function planShares(
  ready: readonly Lane[],
  candidates: ReadonlyMap<string, readonly Task[]>,
  live: ReadonlyMap<Lane, Lane['running']>,
  limits: ReadonlyMap<Lane, number>,
  max: number,
): Map<Lane, Task[]> {
  const shares = new Map<Lane, Task[]>();
  let planned = 0;
  for (let round = 0, added = true; added && planned < max; round += 1) {
    added = false;
    for (const lane of ready) {
      const next = candidates.get(lane.tenantId)?.[round];
      if (planned >= max || !next || round >= (limits.get(lane) ?? 0) - (live.get(lane)?.length ?? 0)) continue;
      shares.set(lane, [...(shares.get(lane) ?? []), next]);
      planned += 1;
      added = true;
    }
  }
  return shares;
}

function ignoreConflict(error: unknown): false {
  if (error instanceof ConflictError) return false;
  throw error;
}
