import { setTimeout as delay } from 'node:timers/promises';
import { ConflictError, NotFoundError, ValidationFailedError } from '@tenantry/contracts';
import type { z } from 'zod';
import { type CollectionDefinition, type Stored, documentFields, globallyUniqueFields } from '../collection';
import type {
  AdminReads,
  DeleteOptions,
  Filter,
  InsertOptions,
  ListOptions,
  Page,
  TenantScopedRepository,
  UpdateOptions,
} from '../repository';
import { decodeCursor, encodeCursor } from './cursor';
import { type FilterClause, normalizeFilter } from './filter';
import { toOutboxEntries } from './outbox-events';
import { MarkedEntries, entriesToKeep } from './outbox-markers';
import { type OutboxEntry, type StoredRecord, isTombstone } from './records';
import { generateId } from './sequence';
import type { DocumentStore, RecordChange, RecordQuery } from './stores';
import { assertInsertableId, assertTenantId, isPlausibleId, issuesOf, pageSize } from './validation';

/**
 * Test-only: the steps of a write that carries events, reported to `ScopedRepositoryHooks.onWriteStep`
 * as they complete. `marker-written`: the outbox marker is stored, the state write has not been sent.
 * `state-written`: the state and its entries are committed, the call has not returned yet. The crash
 * tests (`mongo/outbox-sigkill.int.spec.ts`) SIGKILL a child process exactly there; nothing else uses it.
 */
export type OutboxWriteStep = 'marker-written' | 'state-written';

export interface ScopedRepositoryHooks {
  onWriteStep?: (step: OutboxWriteStep, at: { collection: string; documentId: string }) => void;
}

/** Re-reads before a write without `expectedVersion` gives up and reports a conflict. */
const MAX_WRITE_ATTEMPTS = 12;
/** Documents per batch of `admin.eachAcrossTenants`. */
const STREAM_BATCH = 1000;

/** What a deleted document's unique fields become, so a tombstone never blocks a new document. */
const tombstoneValue = (id: string): string => `\u0000deleted:${id}`;

/**
 * The one implementation of TenantScopedRepository; MongoDB and the in-memory twin differ only in the
 * DocumentStore beneath it, so validation, scoping, versioning and outbox rules cannot drift apart.
 */
export class ScopedRepository<S extends z.ZodObject> implements TenantScopedRepository<z.output<S>, z.input<S>> {
  readonly collection: string;
  readonly admin: AdminReads<z.output<S>>;
  private readonly fields: ReadonlySet<string>;
  private readonly uniqueLookupFields: ReadonlySet<string>;
  /** Per unique index, the fields a tombstone overwrites (tenantId only when it is the whole key). */
  private readonly tombstoneFields: readonly string[];

  constructor(
    private readonly definition: CollectionDefinition<S>,
    private readonly store: DocumentStore,
    private readonly hooks: ScopedRepositoryHooks = {},
  ) {
    this.collection = definition.name;
    this.fields = new Set(documentFields(definition));
    this.uniqueLookupFields = globallyUniqueFields(definition);
    this.tombstoneFields = [
      ...new Set(
        definition.indexes
          .filter((index) => index.unique)
          .flatMap((index) => {
            const keys = Object.keys(index.fields);
            const own = keys.filter((key) => key !== 'tenantId');
            return own.length > 0 ? own : keys;
          }),
      ),
    ];
    this.admin = {
      listAcrossTenants: (options) => this.page(undefined, options),
      findByIdAcrossTenants: async (id) => {
        const record = await this.live(id);
        return record ? this.toStored(record) : null;
      },
      eachAcrossTenants: (filter) => this.each(filter),
    };
  }

  async insert(tenantId: string, document: z.input<S>, options: InsertOptions = {}): Promise<Stored<z.output<S>>> {
    assertTenantId(tenantId);
    const id = options.id ?? generateId(this.definition.idPrefix);
    assertInsertableId(id);
    const fields = this.validate(document);
    const marked = this.marked(tenantId, options.events);
    const now = new Date();
    const outbox = [...marked.entries];
    const record: StoredRecord = {
      ...fields,
      _id: id,
      tenantId,
      version: 1,
      createdAt: now,
      updatedAt: now,
      _outbox: outbox,
    };
    try {
      await marked.beforeWrite(id);
      await this.store.insert(record);
      marked.committed();
      this.stepDone(marked, 'state-written', id);
    } catch (error) {
      await marked.afterFailure(error);
      throw error;
    }
    return this.toStored(record);
  }

  /** By `_id` alone, then the tenant is checked here: another tenant's document reads as missing. */
  async findById(tenantId: string, id: string): Promise<Stored<z.output<S>> | null> {
    assertTenantId(tenantId);
    const record = await this.live(id);
    return record && record.tenantId === tenantId ? this.toStored(record) : null;
  }

  async findOne(tenantId: string, filter: Filter<z.output<S>>): Promise<Stored<z.output<S>> | null> {
    assertTenantId(tenantId);
    return this.first({ tenantId, filters: this.filters(filter), order: 'asc' });
  }

  async list(tenantId: string, options: ListOptions<z.output<S>> = {}): Promise<Page<Stored<z.output<S>>>> {
    assertTenantId(tenantId);
    return this.page(tenantId, options);
  }

  async count(tenantId: string, filter?: Filter<z.output<S>>): Promise<number> {
    assertTenantId(tenantId);
    return this.store.count({ tenantId, filters: this.filters(filter), order: 'asc' });
  }

  async update(tenantId: string, id: string, changes: Partial<z.input<S>>, options: UpdateOptions = {}): Promise<Stored<z.output<S>>> {
    assertTenantId(tenantId);
    const marked = this.marked(tenantId, options.events);
    try {
      for (let attempt = 1; ; attempt += 1) {
        const current = await this.current(tenantId, id, options.expectedVersion);
        const merged: Record<string, unknown> = { ...this.documentPart(current) };
        for (const [field, value] of Object.entries(changes as Record<string, unknown>)) {
          if (value === undefined) delete merged[field];
          else merged[field] = value;
        }
        const fields = this.validate(merged);
        const unset = Object.keys(this.documentPart(current)).filter((field) => !(field in fields));
        const set = { ...fields, version: current.version + 1, updatedAt: new Date() };
        const outbox = await this.nextOutbox(current, marked);
        if (await this.store.updateIfVersion(current._id, tenantId, current.version, { set, unset, ...(outbox ? { outbox } : {}) })) {
          marked.committed();
          this.stepDone(marked, 'state-written', current._id);
          const next: StoredRecord = { ...current, ...set };
          for (const field of unset) delete next[field];
          return this.toStored(next);
        }
        await this.raceLost(id, attempt, options.expectedVersion);
      }
    } catch (error) {
      await marked.afterFailure(error);
      throw error;
    }
  }

  async delete(tenantId: string, id: string, options: DeleteOptions = {}): Promise<void> {
    assertTenantId(tenantId);
    const marked = this.marked(tenantId, options.events);
    try {
      for (let attempt = 1; ; attempt += 1) {
        const current = await this.current(tenantId, id, options.expectedVersion);
        // The marker goes in while the old entries are checked: neither depends on the other.
        const [pending, added] = await Promise.all([entriesToKeep(this.store, current), marked.beforeWrite(current._id)]);
        const deleted =
          added.length === 0 && pending.length === 0
            ? await this.store.deleteIfVersion(current._id, tenantId, current.version)
            : await this.store.updateIfVersion(current._id, tenantId, current.version, this.tombstone(current, [...pending, ...added]));
        if (deleted) {
          marked.committed('tombstone');
          this.stepDone(marked, 'state-written', current._id);
          return;
        }
        await this.raceLost(id, attempt, options.expectedVersion);
      }
    } catch (error) {
      await marked.afterFailure(error);
      throw error;
    }
  }

  async findByUniqueKeyAcrossTenants<K extends keyof z.output<S>>(
    field: K,
    value: NonNullable<z.output<S>[K]>,
  ): Promise<Stored<z.output<S>> | null> {
    const name = String(field);
    if (!this.uniqueLookupFields.has(name)) {
      throw new TypeError(`${this.collection}.${name} has no single-field unique index: it cannot identify a document across tenants`);
    }
    return this.first({ filters: normalizeFilter({ [name]: value }, this.fields), order: 'asc' });
  }

  // ------------------------------------------------------------------------------------------------

  private async *each(filter: Filter<z.output<S>> | undefined): AsyncGenerator<Stored<z.output<S>>> {
    for await (const record of this.store.stream({ filters: this.filters(filter), order: 'asc' }, STREAM_BATCH))
      yield this.toStored(record);
  }

  private marked(tenantId: string, events: InsertOptions['events']): MarkedEntries {
    const onWriteStep = this.hooks.onWriteStep;
    return new MarkedEntries(
      this.store,
      toOutboxEntries(tenantId, events),
      onWriteStep && ((documentId) => onWriteStep('marker-written', { collection: this.collection, documentId })),
    );
  }

  /** Reports a completed step of a write with events to the test-only hook. */
  private stepDone(marked: MarkedEntries, step: OutboxWriteStep, documentId: string): void {
    if (marked.entries.length > 0) this.hooks.onWriteStep?.(step, { collection: this.collection, documentId });
  }

  /**
   * A deleted document that still owes events becomes a tombstone in the same write that queues them;
   * the outbox relay removes it once they are published. Its unique fields get a per-document value
   * at once, so the key is free for a new document straight away.
   */
  private tombstone(current: StoredRecord, outbox: readonly OutboxEntry[]): RecordChange {
    const now = new Date();
    const set: Record<string, unknown> = { _deletedAt: now, version: current.version + 1, updatedAt: now };
    for (const field of this.tombstoneFields) set[field] = tombstoneValue(current._id);
    return { set, unset: [], outbox };
  }

  /**
   * Writes the marker of the call's entries (once) and returns the outbox the write leaves: the entries
   * that may still be pending plus the new ones; undefined when that is what the document holds already
   * (nothing to drop, nothing new).
   */
  private async nextOutbox(current: StoredRecord, marked: MarkedEntries): Promise<OutboxEntry[] | undefined> {
    // Two independent round trips, sent together: the new write's marker (before its write, as ever)
    // and the check of the old entries' markers (only when the document holds entries at all).
    const [kept, added] = await Promise.all([entriesToKeep(this.store, current), marked.beforeWrite(current._id)]);
    return kept.length === current._outbox.length && added.length === 0 ? undefined : [...kept, ...added];
  }

  private async current(tenantId: string, id: string, expectedVersion: number | undefined): Promise<StoredRecord> {
    const current = await this.live(id);
    if (!current || current.tenantId !== tenantId)
      throw new NotFoundError(`${this.collection} ${id} not found`, { collection: this.collection, id });
    if (expectedVersion !== undefined && current.version !== expectedVersion)
      throw this.versionConflict(id, expectedVersion, current.version);
    return current;
  }

  /** The live (not deleted) record with this id, of any tenant: callers check the tenant. */
  private async live(id: string): Promise<StoredRecord | null> {
    if (!isPlausibleId(id)) return null;
    const record = await this.store.get(id);
    return record && !isTombstone(record) ? record : null;
  }

  /** Another writer got in between: a conflict if the caller pinned a version, else retry after a jittered pause. */
  private async raceLost(id: string, attempt: number, expectedVersion: number | undefined): Promise<void> {
    if (expectedVersion !== undefined) throw this.versionConflict(id, expectedVersion, undefined);
    if (attempt >= MAX_WRITE_ATTEMPTS) {
      throw new ConflictError(`${this.collection} ${id} kept changing concurrently; retry`, { collection: this.collection, id });
    }
    await delay(Math.random() * Math.min(50, 2 ** attempt));
  }

  private versionConflict(id: string, expected: number, actual: number | undefined): ConflictError {
    const found = actual === undefined ? 'a newer version' : `version ${actual}`;
    return new ConflictError(`${this.collection} ${id} was changed meanwhile: expected version ${expected}, found ${found}`, {
      collection: this.collection,
      id,
      expected_version: expected,
      ...(actual === undefined ? {} : { current_version: actual }),
    });
  }

  private async page(tenantId: string | undefined, options: ListOptions<z.output<S>> = {}): Promise<Page<Stored<z.output<S>>>> {
    const limit = pageSize(options.limit);
    const order = options.sort ?? 'asc';
    if (order !== 'asc' && order !== 'desc')
      throw new ValidationFailedError('sort must be "asc" or "desc"', [{ field: 'sort', message: 'must be "asc" or "desc"' }]);
    const query: RecordQuery = {
      ...(tenantId === undefined ? {} : { tenantId }),
      filters: this.filters(options.filter),
      order,
      ...(options.cursor === undefined ? {} : { after: decodeCursor(options.cursor) }),
    };
    const records = await this.store.find(query, limit + 1);
    const items = records.slice(0, limit).map((record) => this.toStored(record));
    const last = items.at(-1);
    return { items, nextCursor: records.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  private async first(query: RecordQuery): Promise<Stored<z.output<S>> | null> {
    const [record] = await this.store.find(query, 1);
    return record ? this.toStored(record) : null;
  }

  private filters(filter: object | undefined): FilterClause[] {
    return normalizeFilter(filter, this.fields);
  }

  private validate(document: unknown): Record<string, unknown> {
    const parsed = this.definition.schema.safeParse(document);
    if (!parsed.success) {
      throw new ValidationFailedError(`Invalid ${this.collection} document`, issuesOf(parsed.error));
    }
    return this.documentPart(parsed.data as Record<string, unknown>);
  }

  /** Only the declared fields, without undefined values (neither store keeps them). */
  private documentPart(source: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const part: Record<string, unknown> = {};
    for (const field of this.fields) if (source[field] !== undefined) part[field] = source[field];
    return part;
  }

  private toStored(record: StoredRecord): Stored<z.output<S>> {
    const parsed = this.definition.schema.safeParse(this.documentPart(record));
    if (!parsed.success) {
      // Stored data no longer matches the schema (a migration is missing): a server fault, not the caller's.
      throw new Error(
        `${this.collection} ${record._id} does not match its schema: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`,
      );
    }
    return {
      ...(parsed.data as z.output<S>),
      id: record._id,
      tenantId: record.tenantId,
      version: record.version,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }
}
