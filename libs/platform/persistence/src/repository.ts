import type { CloudEvent } from '@tenantry/contracts';
import type { Stored } from './collection';

/** Values a filter can compare: scalars only, so both adapters evaluate filters identically. */
export type FilterValue = string | number | boolean | Date | null;

/** `null` matches a missing field, as in MongoDB; ranges compare only values of the same type. */
export interface FieldOperators<V> {
  $eq?: V | null;
  $ne?: V | null;
  $in?: readonly (V | null)[];
  $nin?: readonly (V | null)[];
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
}

type FilterableKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends FilterValue ? K : never }[keyof T];

/**
 * A filter over a document's own scalar fields. Its keys come from the document type, which never has
 * `tenantId` (a reserved system field), and the repository adds the tenant condition itself, so a filter
 * cannot widen or change the tenant scope. Unknown keys and operators are rejected at run time too.
 */
export type Filter<T> = { [K in FilterableKeys<T>]?: NonNullable<T[K]> | null | FieldOperators<NonNullable<T[K]>> };

/** Creation order (`createdAt`, then id): a total, immutable order, so cursors are stable. */
export type SortOrder = 'asc' | 'desc';

export interface ListOptions<T> {
  filter?: Filter<T>;
  /** 1..1000, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. Opaque; a malformed one is a ValidationFailedError. */
  cursor?: string;
  sort?: SortOrder;
}

export interface Page<T> {
  items: T[];
  /** Present when more items may follow; pass it back as `cursor`. */
  nextCursor: string | null;
}

export interface WriteOptions {
  /**
   * Events committed in the same single-document write as the state change (the outbox): they are
   * published by the outbox relay, even if the process dies right after this call returns. Each event's
   * `subject` must be the tenant id.
   */
  events?: readonly CloudEvent[];
}

export interface InsertOptions extends WriteOptions {
  /** Use this id instead of a generated one (generated ids are time-ordered, prefixed with the collection's `idPrefix`). */
  id?: string;
}

export interface UpdateOptions extends WriteOptions {
  /** The version the caller read; a different stored version is a ConflictError (optimistic concurrency). */
  expectedVersion?: number;
}

export type DeleteOptions = UpdateOptions;

/**
 * Storage for one collection, scoped to one tenant per call: every method takes the tenant id first, and
 * a document of another tenant behaves exactly like a missing one (null / NotFoundError), so nothing
 * leaks its existence. The only unscoped reads are `findByUniqueKeyAcrossTenants` (for resolving e.g. an
 * API-key hash to its tenant) and the methods under `admin`, named so that they stand out in review.
 *
 * Errors: ValidationFailedError (the document fails its schema: nothing is written), NotFoundError,
 * ConflictError (unique key taken, or version mismatch), ServiceUnavailableError (database unreachable).
 */
export interface TenantScopedRepository<T, TInput = T> {
  readonly collection: string;
  insert(tenantId: string, document: TInput, options?: InsertOptions): Promise<Stored<T>>;
  findById(tenantId: string, id: string): Promise<Stored<T> | null>;
  /** The first match in creation order. */
  findOne(tenantId: string, filter: Filter<T>): Promise<Stored<T> | null>;
  list(tenantId: string, options?: ListOptions<T>): Promise<Page<Stored<T>>>;
  count(tenantId: string, filter?: Filter<T>): Promise<number>;
  /**
   * Applies `changes` (an `undefined` value removes an optional field) to the current document, validates
   * the result and writes it if nobody changed the document in between; without `expectedVersion` a
   * concurrent change makes it re-read and re-apply (a few times) instead of failing.
   */
  update(tenantId: string, id: string, changes: Partial<TInput>, options?: UpdateOptions): Promise<Stored<T>>;
  delete(tenantId: string, id: string, options?: DeleteOptions): Promise<void>;
  /**
   * Finds a document by a field that has its own single-field unique index (declared in the collection),
   * whatever its tenant: the way to resolve a credential to its tenant. Any other field is a programming error.
   */
  findByUniqueKeyAcrossTenants<K extends FilterableKeys<T>>(field: K, value: NonNullable<T[K]>): Promise<Stored<T> | null>;
  /** Unscoped reads for the platform admin only. */
  readonly admin: AdminReads<T>;
}

export interface AdminReads<T> {
  listAcrossTenants(options?: ListOptions<T>): Promise<Page<Stored<T>>>;
  findByIdAcrossTenants(id: string): Promise<Stored<T> | null>;
  /**
   * Every live document that matches, in no particular order, read by one query in batches (not page by
   * page: on FerretDB each page is a decode and sort of the whole collection). For passes over a whole
   * collection, e.g. every tenant on a plan with an SLA.
   */
  eachAcrossTenants(filter?: Filter<T>): AsyncIterable<Stored<T>>;
}
