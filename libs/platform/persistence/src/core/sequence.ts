import { randomBytes } from 'node:crypto';

let last = 0;

/**
 * A strictly increasing number per process that follows wall-clock time in microseconds. It orders
 * outbox entries (commit order) and generated ids; across processes it is as good as the clocks agree,
 * which is as far as per-tenant order can be kept without a shared counter on every write.
 */
export function nextSequence(): number {
  last = Math.max(last + 1, Date.now() * 1000);
  return last;
}

const SEQUENCE_WIDTH = 11; // base-36 digits of the sequence until the year 2400

/** A new id: the prefix, then time-ordered base-36 digits, then randomness (so ids sort by creation). */
export function generateId(prefix: string): string {
  return `${prefix}${nextSequence().toString(36).padStart(SEQUENCE_WIDTH, '0')}${randomBytes(5).toString('hex')}`;
}
