import { ConflictError, NotFoundError } from '@tenantry/contracts';

/**
 * Billing's one retry rule for its conditional writes (accounts, usage shards): read, decide, write at
 * the version read; a write that lost to a concurrent writer (another replica's scheduler, another
 * member of a consumer group) reads again and decides again, up to WRITE_ATTEMPTS times with a short
 * jittered pause, and then the conflict goes to the caller (an API answers 409; a consumer's bus
 * retries the event with its own policy).
 */
export const WRITE_ATTEMPTS = 5;
const PAUSE_MS = 5;

/** Returned by an attempt whose write lost the race: the helper runs the attempt again. */
export const LOST_RACE: unique symbol = Symbol('lost race');
export type Attempt<R> = (attempt: number) => Promise<R | typeof LOST_RACE>;

export async function untilWritten<R>(what: string, attempt: Attempt<R>): Promise<R> {
  for (let n = 1; n <= WRITE_ATTEMPTS; n += 1) {
    const outcome = await attempt(n);
    if (outcome !== LOST_RACE) return outcome;
    if (n < WRITE_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, Math.random() * PAUSE_MS * n));
  }
  throw new ConflictError(`${what} kept changing meanwhile: gave up after ${WRITE_ATTEMPTS} attempts.`);
}

/**
 * The write of one attempt: LOST_RACE when it was conditional on a version (or on absence) that
 * another writer changed first; any other error is the caller's. Only the write is guarded, so a 409
 * the decision itself throws (a rule of the domain) is never retried.
 */
export async function written<T>(write: Promise<T>): Promise<T | typeof LOST_RACE> {
  try {
    return await write;
  } catch (error) {
    // NotFound: the document the update was conditional on was deleted or never inserted (a shard another member created).
    if (error instanceof ConflictError || error instanceof NotFoundError) return LOST_RACE;
    throw error;
  }
}
