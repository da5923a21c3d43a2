import { randomBytes } from 'node:crypto';

/** A name unique to this test run, so parallel suites sharing one Kafka / database / Redis never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
