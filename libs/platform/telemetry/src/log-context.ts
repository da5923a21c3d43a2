import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of the current request or job carries. */
export interface LogContext {
  requestId?: string;
  tenantId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `context` merged over the current one; every log line written inside it, including
 * in awaited callbacks, carries these fields. Nested calls do not leak fields back to the outer one.
 */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/**
 * `runWithLogContext({ requestId }, fn)` for the start of a request: one object per request (no spread
 * of the outer context when there is none, as on a server's request).
 */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer === undefined ? { requestId } : { ...outer, requestId }, fn);
}

/**
 * Adds fields to the current context, e.g. the tenant once authentication knows it. Only works inside
 * `runWithLogContext` (the HTTP app opens one per request); returns false when there is none.
 */
export function setLogContext(fields: LogContext): boolean {
  const current = storage.getStore();
  if (!current) return false;
  Object.assign(current, fields);
  return true;
}

export function getLogContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}
