import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ConflictError, NotFoundError, type PlanId } from '@tenantry/contracts';
import type { OutboxNotifier } from '@tenantry/event-bus';
import { assistantEvent } from '../events';
import { generateId } from '@tenantry/persistence';
import { tasksCollection, type Task, type TaskFields, type TaskRepository } from '../tasks/task.collection';
import { concurrencyOf, DEFAULT_PLAN_CONCURRENCY } from './concurrency';
import { laneId, type Lane, type LaneRepository, type QueueEntry } from './lane.collection';

/** Lanes looked at per claim: more tenants than this with queued work are served in later passes. */
const MAX_LANES_PER_PASS = 1_000;
/** A claim's write of a lane lost only to submits (new entries) is made again up to this many times in all. */
const MAX_CLAIM_WRITE_ATTEMPTS = 5;
const DEFAULT_MAX_LISTED = 1_000;
/** Reads of an overflowed tenant's queued tasks per listing, each after a lane write lost to another writer. */
const MAX_OVERFLOW_ATTEMPTS = 3;
/** Conditional writes of a lane's entries lost to concurrent writers (claims, other submitters) before the conflict surfaces. */
const MAX_LANE_WRITE_ATTEMPTS = 50;
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
  /**
   * Entries a lane lists at most (default 1,000): a tenant's further queued tasks wait unlisted (the
   * lane says `overflow`) and are listed once a claim has taken the lane down to half of it.
   */
  maxListed?: number;
}

/**
 * The queue, kept in the database: tasks, and one lane per tenant listing its queued tasks. Claims go
 * round-robin over the lanes with queued work (the least recently served first), so a tenant with a
 * thousand queued tasks takes one turn like a tenant with one; each claim takes the entries and a slot
 * on the lane (per-plan concurrency) in one conditional write, then leases those tasks by `_id`,
 * conditional on the version the entry names, so replicas never double-claim. A claim reads no task
 * but the ones it leases: its cost does not grow with the tasks stored.
 */
export class TaskQueue {
  /** Entries waiting for their lane's write, per tenant: a burst of submits is one lane write (see addToLane). */
  private readonly pendingEntries = new Map<string, PendingEntries>();

  constructor(private readonly options: TaskQueueOptions) {}

  /**
   * Puts a new task in the queue: the task and its `task.queued` wake-up in one write, then its entry on
   * the lane (`taskId`: this id, else a new one). A crash between the two leaves a queued task without
   * an entry: the sweep lists it again.
   */
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
    await this.addToLane(tenantId, [entryOf(task)]);
    this.options.outbox.notify();
    return task;
  }

  /** Queues a task that exists (created `pending`, retried, or taken over after a lost lease). */
  async requeue(task: Task, changes: Partial<TaskFields>, notBefore: Date): Promise<Task | null> {
    const now = this.options.clock();
    let updated: Task;
    try {
      updated = await this.options.tasks.update(
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
    } catch (error) {
      if (error instanceof ConflictError) return null;
      throw error;
    }
    await this.addToLane(task.tenantId, [entryOf(updated)]);
    this.options.outbox.notify();
    return updated;
  }

  /**
   * Adds entries to the tenant's lane (an entry of a task it lists already is replaced by a newer
   * version, else skipped). Submits of one tenant in this process while a write of its lane is in
   * flight go out together in the next write, so a burst of them neither fails nor queues up behind
   * one conditional write each; a write lost to another writer (a claim, another replica) reads again.
   */
  private addToLane(tenantId: string, entries: readonly QueueEntry[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending = this.pendingEntries.get(tenantId);
      if (pending) {
        pending.entries.push(...entries);
        pending.waiters.push({ resolve, reject });
        return;
      }
      this.pendingEntries.set(tenantId, { entries: [...entries], waiters: [{ resolve, reject }] });
      setImmediate(() => void this.writeLaneEntries(tenantId));
    });
  }

  private async writeLaneEntries(tenantId: string): Promise<void> {
    for (;;) {
      const pending = this.pendingEntries.get(tenantId);
      if (!pending || pending.entries.length === 0) return void this.pendingEntries.delete(tenantId);
      // Entries added from here on wait for the next write.
      this.pendingEntries.set(tenantId, { entries: [], waiters: [] });
      try {
        await this.writeEntries(tenantId, pending.entries);
        for (const waiter of pending.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of pending.waiters) waiter.reject(error);
      }
    }
  }

  private async writeEntries(tenantId: string, entries: readonly QueueEntry[]): Promise<void> {
    const { lanes } = this.options;
    const id = laneId(tenantId);
    for (let attempt = 1; ; attempt += 1) {
      const lane = await lanes.findById(tenantId, id);
      const { queued, overflow } = withEntries(lane?.queued ?? [], entries, this.options.maxListed ?? DEFAULT_MAX_LISTED);
      if (lane && queued === lane.queued && lane.has_work && (lane.overflow || !overflow)) return;
      const changes = { has_work: queued.length > 0, queued, overflow: overflow || (lane?.overflow ?? false) };
      try {
        if (lane) await lanes.update(tenantId, id, changes, { expectedVersion: lane.version });
        else await lanes.insert(tenantId, { ...changes, last_claim_at: new Date(0), running: [] }, { id });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_LANE_WRITE_ATTEMPTS) throw error;
        await delay(Math.random() * Math.min(50, 2 ** attempt));
      }
    }
  }

  /**
   * Leases up to `max` tasks fairly (none when nothing may run now): round-robin over the lanes with
   * queued work, the least recently served first, one task per lane per round, as far as each tenant's
   * plan allows. One read of the lanes (small documents, one per tenant) plans the pass; the tasks are
   * then leased by `_id` (on FerretDB 1.x every filter but a bare `_id` decodes the whole task
   * collection, finished tasks included), and the lanes' claims are written concurrently.
   */
  async claim(owner: string, max: number, attempt = 1): Promise<Task[]> {
    const now = this.options.clock();
    const withWork = await this.options.lanes.admin.listAcrossTenants({ filter: { has_work: true }, limit: MAX_LANES_PER_PASS });
    if (withWork.items.length === 0 || max < 1) return [];
    const order = [...withWork.items].sort((a, b) => a.last_claim_at.getTime() - b.last_claim_at.getTime());
    const candidates = new Map<string, QueueEntry[]>();
    for (const lane of order) {
      const due = lane.queued.filter((entry) => entry.not_before.getTime() <= now.getTime());
      if (due.length > 0) candidates.set(lane.tenantId, due);
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
    const kept = new Map(live);
    let shares = planShares(ready, candidates, live, limits, max);
    const held = ready.filter((lane) => {
      const share = shares.get(lane)?.length ?? 0;
      const room = (limits.get(lane) ?? 0) - lane.running.length;
      return lane.running.length > 0 && share >= room && share < (candidates.get(lane.tenantId)?.length ?? 0);
    });
    if (held.length > 0) {
      await Promise.all(
        held.map(async (lane) => {
          const slots = await this.slotsOf(lane, now);
          live.set(lane, slots.live);
          kept.set(lane, slots.kept);
        }),
      );
      shares = planShares(ready, candidates, live, limits, max);
    }
    const claimed = await Promise.all(
      [...shares].map(([lane, share]) => this.claimFromLane(lane, kept.get(lane) ?? [], share, owner, now)),
    );
    // Every lane this pass wanted was just taken by another replica (they read the same order): the next pass sees that.
    if (claimed.length > 0 && claimed.every((share) => share === null) && attempt < MAX_PASSES_ON_CONFLICT)
      return this.claim(owner, max, attempt + 1);
    return claimed.flatMap((share) => share ?? []);
  }

  /**
   * Takes the entries `taken` off the lane and reserves their slots (one conditional write), then
   * leases those tasks; null when another claim (or the sweep) changed the lane's slots meanwhile. A
   * write lost only to a submit (new entries, the slots as they were) is made again on the lane as it
   * is now, so a tenant that keeps submitting does not keep its own tasks from being claimed.
   */
  private async claimFromLane(
    lane: Lane,
    kept: Lane['running'],
    taken: readonly QueueEntry[],
    owner: string,
    now: Date,
  ): Promise<Task[] | null> {
    const tenantId = lane.tenantId;
    const ids = new Set(taken.map((entry) => entry.task_id));
    const running = [
      ...kept.filter((slot) => !ids.has(slot.task_id)),
      ...taken.map((entry) => ({ task_id: entry.task_id, reserved_at: now })),
    ];
    let current = lane;
    for (let attempt = 1; ; attempt += 1) {
      const queued = current.queued.filter((entry) => !ids.has(entry.task_id));
      try {
        await this.options.lanes.update(
          tenantId,
          lane.id,
          { running, queued, has_work: queued.length > 0, last_claim_at: now },
          { expectedVersion: current.version },
        );
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
      const fresh = await this.options.lanes.findById(tenantId, lane.id);
      const onlySubmitted =
        fresh !== null &&
        fresh.last_claim_at.getTime() === lane.last_claim_at.getTime() &&
        JSON.stringify(fresh.running) === JSON.stringify(lane.running) &&
        taken.every((entry) => fresh.queued.some((listed) => listed.task_id === entry.task_id && listed.version === entry.version));
      // Another replica claimed from this lane (or the sweep dropped slots): look again next pass.
      if (!onlySubmitted || attempt >= MAX_CLAIM_WRITE_ATTEMPTS) return null;
      current = fresh;
    }
    const leased = await Promise.all(taken.map((entry) => this.lease(tenantId, entry, owner, now)));
    const listed = current.queued.length - taken.length;
    if (current.overflow && listed <= (this.options.maxListed ?? DEFAULT_MAX_LISTED) / 2) await this.listOverflow(tenantId);
    return leased.filter((task): task is Task => task !== null);
  }

  /**
   * Lists the queued tasks of a lane that overflowed, oldest first, as far as it has room; `overflow`
   * stays set while some are still unlisted. One read of the tenant's queued tasks (on FerretDB 1.x a
   * decode of the task collection) per half a lane taken. A failure changes nothing: the sweep's
   * periodic relisting lists them too.
   */
  private async listOverflow(tenantId: string): Promise<void> {
    const { tasks, lanes } = this.options;
    const maxListed = this.options.maxListed ?? DEFAULT_MAX_LISTED;
    try {
      for (let attempt = 1; attempt <= MAX_OVERFLOW_ATTEMPTS; attempt += 1) {
        // The lane before the tasks: a task that overflowed after this read makes the write below conflict.
        const lane = await lanes.findById(tenantId, laneId(tenantId));
        if (!lane?.overflow) return;
        const page = await tasks.list(tenantId, { filter: { status: 'queued' }, limit: maxListed, sort: 'asc' });
        const { queued, overflow } = withEntries(lane.queued, page.items.map(entryOf), maxListed);
        const unlisted = overflow || page.nextCursor !== null;
        const changes = { queued, has_work: queued.length > 0, overflow: unlisted };
        if (await lanes.update(tenantId, lane.id, changes, { expectedVersion: lane.version }).then(() => true, ignoreConflict)) return;
      }
    } catch {
      // Listed by the sweep's relisting instead (TaskQueue.sweep).
    }
  }

  /**
   * Leases the task of an entry taken off its lane, if it is still the version the entry names (so still
   * queued, not cancelled, not taken by another replica); an entry that names an older version of a task
   * still queued and due (listed again by the sweep) leases the task as it is now. Null otherwise: the
   * entry was stale, and its slot holds nothing (see slotsOf).
   */
  private async lease(tenantId: string, entry: QueueEntry, owner: string, now: Date): Promise<Task | null> {
    const write = (version: number, attempts: number) =>
      this.options.tasks.update(
        tenantId,
        entry.task_id,
        {
          status: 'running',
          lease_owner: owner,
          lease_until: new Date(now.getTime() + this.options.leaseMs),
          attempts: attempts + 1,
          started_at: now,
          progress: 0,
          step: 'starting',
        },
        { expectedVersion: version },
      );
    try {
      return await write(entry.version, entry.attempts);
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
    }
    const task = await this.options.tasks.findById(tenantId, entry.task_id);
    if (!task || task.status !== 'queued' || task.cancel_requested || task.not_before.getTime() > now.getTime()) return null;
    return write(task.version, task.attempts).catch((error: unknown) => {
      if (error instanceof ConflictError) return null;
      throw error;
    });
  }

  /**
   * The lane's slots, from their tasks read by `_id` (point reads; any other filter decodes the task
   * collection on FerretDB 1.x). `live`: the slots that hold, those of a task running on a live lease or
   * being claimed (reserved less than a lease ago, not started since). `kept`: those, and the slots of
   * tasks whose worker stopped renewing the lease (`expired`), which stay on the lane until the sweep
   * has taken the task over: the lane's slots are how the sweep finds them. A finished task, one queued
   * again since its start, or a missing one has no slot left.
   */
  private async slotsOf(lane: Lane, now: Date): Promise<{ live: Lane['running']; kept: Lane['running']; expired: Task[] }> {
    const holders = await Promise.all(lane.running.map((slot) => this.options.tasks.findById(lane.tenantId, slot.task_id)));
    const seen = new Set<string>();
    const slots = { live: [] as Lane['running'], kept: [] as Lane['running'], expired: [] as Task[] };
    lane.running.forEach((slot, i) => {
      const task = holders[i];
      if (!task || seen.has(slot.task_id)) return;
      const running = task.status === 'running';
      const expired = running && (task.lease_until?.getTime() ?? 0) <= now.getTime();
      const holds = running
        ? !expired
        : task.status === 'queued' &&
          now.getTime() - slot.reserved_at.getTime() < this.options.leaseMs &&
          (task.started_at?.getTime() ?? 0) < slot.reserved_at.getTime();
      if (!holds && !expired) return;
      seen.add(slot.task_id);
      slots.kept.push(slot);
      if (holds) slots.live.push(slot);
      else slots.expired.push(task);
    });
    return slots;
  }

  /**
   * The periodic sweep. Tasks whose worker stopped renewing its lease (it died, or lost the database),
   * found through the lanes' slots (point reads), are queued again for another worker, or failed once
   * their attempts are spent — each conditional on the version read, so two sweepers never both take
   * one over; slots of finished tasks are dropped, so an idle tenant's lane costs the sweep nothing.
   * With `relist`, a queued task that its lane does not list (its writer died between the task's write
   * and the lane's) is listed again: that needs a read of every queued task (on FerretDB 1.x a decode
   * of the whole task collection), so the worker asks for it only every few sweeps.
   */
  async sweep(options: { relist: boolean } = { relist: true }): Promise<{ recovered: number; relisted: number }> {
    const { tasks, lanes } = this.options;
    const now = this.options.clock();
    // The lanes before the tasks: a task queued after this read and not listed in it is either listed
    // since (adding it again changes nothing) or lost its entry; a task claimed after it is not queued.
    const all: Lane[] = [];
    for await (const lane of lanes.admin.eachAcrossTenants()) all.push(lane);
    const expired: Task[] = [];
    await Promise.all(
      all
        .filter((lane) => lane.running.length > 0)
        .map(async (lane) => {
          const slots = await this.slotsOf(lane, now);
          expired.push(...slots.expired);
          if (slots.kept.length < lane.running.length)
            await lanes.update(lane.tenantId, lane.id, { running: slots.kept }, { expectedVersion: lane.version }).catch(ignoreConflict);
        }),
    );
    // A lane that overflowed and has room again (its listing after a claim failed): listed now.
    const maxListed = this.options.maxListed ?? DEFAULT_MAX_LISTED;
    const overflowed = all.filter((lane) => lane.overflow);
    await Promise.all(overflowed.filter((lane) => lane.queued.length <= maxListed / 2).map((lane) => this.listOverflow(lane.tenantId)));
    const unlisted = new Map<string, QueueEntry[]>();
    if (options.relist) {
      // Tenants whose lane overflowed have unlisted tasks by design: listOverflow lists them.
      const listed = new Map(all.map((lane) => [lane.tenantId, new Set(lane.queued.map((entry) => entry.task_id))]));
      const full = new Set(overflowed.map((lane) => lane.tenantId));
      for await (const task of tasks.admin.eachAcrossTenants({ status: 'queued' }))
        if (!full.has(task.tenantId) && !listed.get(task.tenantId)?.has(task.id))
          unlisted.set(task.tenantId, [...(unlisted.get(task.tenantId) ?? []), entryOf(task)]);
      await Promise.all([...unlisted].map(([tenantId, entries]) => this.addToLane(tenantId, entries)));
    }
    let recovered = 0;
    for (const task of expired.slice(0, EXPIRED_LEASES_PER_SWEEP)) {
      const message = `the worker running attempt ${task.attempts} stopped renewing its lease`;
      if (task.attempts >= task.max_attempts) {
        const failed = await tasks
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
    return { recovered, relisted: [...unlisted.values()].reduce((sum, entries) => sum + entries.length, 0) };
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
  candidates: ReadonlyMap<string, readonly QueueEntry[]>,
  live: ReadonlyMap<Lane, Lane['running']>,
  limits: ReadonlyMap<Lane, number>,
  max: number,
): Map<Lane, QueueEntry[]> {
  const shares = new Map<Lane, QueueEntry[]>();
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

/** A queued task as its lane lists it. */
function entryOf(task: Task): QueueEntry {
  return {
    task_id: task.id,
    version: task.version,
    attempts: task.attempts,
    not_before: task.not_before,
    ...(task.plan_id ? { plan_id: task.plan_id } : {}),
  };
}

/**
 * The lane's entries with these added, up to `maxListed` (`overflow`: some found no room): an entry of a
 * task listed already replaces it when it names a newer version (queued again), and is skipped
 * otherwise. The same array when nothing changes.
 */
function withEntries(
  current: readonly QueueEntry[],
  added: readonly QueueEntry[],
  maxListed: number,
): { queued: QueueEntry[]; overflow: boolean } {
  const next = [...current];
  let changed = false;
  let overflow = false;
  for (const entry of added) {
    const at = next.findIndex((listed) => listed.task_id === entry.task_id);
    if (at >= 0 && (next[at]?.version ?? 0) < entry.version) next[at] = entry;
    else if (at >= 0) continue;
    else if (next.length < maxListed) next.push(entry);
    else {
      overflow = true;
      continue;
    }
    changed = true;
  }
  return { queued: changed ? next : (current as QueueEntry[]), overflow };
}

interface PendingEntries {
  entries: QueueEntry[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

function ignoreConflict(error: unknown): false {
  if (error instanceof ConflictError) return false;
  throw error;
}
