import { ConflictError, ServiceUnavailableError, TenantryError } from '@tenantry/contracts';
import mongoose from 'mongoose';

const { MongoError, MongoServerError } = mongoose.mongo;

/** Driver errors that mean "the database cannot be reached right now" (retrying later may work). */
const UNREACHABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
]);

/** Server codes for a node that is shutting down, stepping down or not yet able to serve. */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 10107, 11600, 11602, 13435, 13436]);

const DUPLICATE_KEY_CODES = new Set([11000, 11001]);

/**
 * FerretDB 1.x reports a unique-index violation by an UPDATE not as E11000 but as
 * `code 1 (InternalError): ... constraint failed: UNIQUE constraint failed: index '<name>' (2067)`.
 */
const FERRETDB_UNIQUE_VIOLATION = /UNIQUE constraint failed/;

/**
 * Maps a driver error to the platform's typed errors: unreachable → ServiceUnavailableError (503),
 * duplicate key → ConflictError (409). Anything else is a fault and is rethrown as it is.
 */
export function toTenantryError(error: unknown, collection: string): unknown {
  if (error instanceof TenantryError || !(error instanceof Error)) return error;
  if (error instanceof MongoServerError && (DUPLICATE_KEY_CODES.has(Number(error.code)) || FERRETDB_UNIQUE_VIOLATION.test(error.message))) {
    return new ConflictError(`A ${collection} document with the same unique key already exists`, { collection }, { cause: error });
  }
  if (isUnreachable(error)) {
    return new ServiceUnavailableError('The database is unavailable; retry later', {}, { cause: error });
  }
  return error;
}

function isUnreachable(error: Error): boolean {
  if (UNREACHABLE_ERRORS.has(error.name)) return true;
  if (!(error instanceof MongoError)) return false;
  if (error.hasErrorLabel('ResetPool') || error.hasErrorLabel('SystemOverloadedError')) return true;
  return typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code);
}

/** Runs one database call and translates its failure. */
export async function mongoCall<T>(collection: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toTenantryError(error, collection);
  }
}

/** Inserts the document; one that already exists (same `_id` or unique key) counts as done, not as an error. */
export async function insertIgnoringDuplicate<TDocument extends mongoose.mongo.BSON.Document>(
  collection: mongoose.mongo.Collection<TDocument>,
  document: mongoose.mongo.OptionalUnlessRequiredId<TDocument>,
): Promise<void> {
  try {
    await mongoCall(collection.collectionName, () => collection.insertOne(document));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}

/** The per-document errors of a bulk write (`writeErrors`, one or a list); empty when there are none. */
export function writeErrorsOf(error: unknown): Array<{ index: number; code: unknown }> {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors === undefined ? [] : [writeErrors];
  return list.map((writeError) => {
    const { index, code } = writeError as { index?: unknown; code?: unknown };
    return { index: Number(index), code };
  });
}
