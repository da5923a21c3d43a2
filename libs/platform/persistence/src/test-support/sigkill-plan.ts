import type { CloudEvent } from '@tenantry/contracts';
import { z } from 'zod';
import { defineCollection } from '../collection';
import type { OutboxWriteStep } from '../core/scoped-repository';

/**
 * What `sigkill-writer.fixture.ts` (a child process) does and where it SIGKILLs itself, shared with
 * `mongo/outbox-sigkill.int.spec.ts`, which builds the plan and checks what survived.
 */

export const crashRecordSchema = z.object({ name: z.string(), status: z.enum(['trial', 'active']) });

export function crashRecords(name: string) {
  return defineCollection({ name, schema: crashRecordSchema, idPrefix: 'rec_' });
}

/** One repository call of the plan, with the events it queues. */
export type PlannedWrite =
  | { op: 'insert'; id: string; name: string; events: CloudEvent[] }
  | { op: 'update'; id: string; status: 'active'; events: CloudEvent[] }
  | { op: 'delete'; id: string; events: CloudEvent[] };

export type CrashPoint =
  /** During write number `write` (0-based), right after `step` completed. */
  | { at: OutboxWriteStep; write: number }
  /** After all writes, in the relay: its `markCall`-th markPublished, after the bus acknowledged the batch. */
  | { at: 'mid-relay'; markCall: number; batchSize: number; leaseMs: number };

export interface SigkillPlan {
  mongodbUri: string;
  kafkaBrokers: string[];
  topicPrefix: string;
  collection: string;
  tenantId: string;
  writes: PlannedWrite[];
  crash: CrashPoint;
}

/** One line the child prints on stdout (synchronously, so it is out before the kill). */
export type ChildReport =
  | { kind: 'committed'; write: number }
  | { kind: 'marked'; eventIds: string[] }
  | { kind: 'killing'; at: CrashPoint['at']; write?: number; unmarkedEventIds?: string[] };

export const PLAN_ENV = 'TENANTRY_SIGKILL_PLAN';
