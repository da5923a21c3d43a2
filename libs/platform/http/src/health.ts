import type { Logger } from '@tenantry/telemetry';
import type { RequestHandler } from 'express';
import { PROBLEM_CONTENT_TYPE, pathOf, problemTypeUri } from './problem';
import { requestIdOf } from './request-context';

/** Resolves when the dependency is usable, rejects (or hangs) when it is not. */
export type ReadinessCheck = () => Promise<void>;

/** By name (`{ mongodb: () => db.ping() }`) or as a list of named checks. */
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>> | ReadonlyArray<{ name: string; check: ReadinessCheck }>;

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

export interface CheckResult {
  status: 'up' | 'down';
  durationMs: number;
  /** Why it is down: `timed out after N ms` or `failed` (the error itself is logged, not shown). */
  reason?: string;
}

/** Liveness: the process answers. Extra details (e.g. the gateway's degraded cache) go in the body. */
export function healthHandler(service: string, details?: () => Record<string, unknown>): RequestHandler {
  return (_req, res) => {
    res.json({ ...details?.(), status: 'ok', service });
  };
}

/**
 * Readiness: every dependency check passes within the timeout (checks run in parallel). 200 with each
 * check's status, or 503 problem+json naming the failing dependencies.
 */
export function readinessHandler(checks: ReadinessChecks, timeoutMs: number, logger: Logger): RequestHandler {
  const named = Array.isArray(checks)
    ? (checks as ReadonlyArray<{ name: string; check: ReadinessCheck }>)
    : Object.entries(checks as Record<string, ReadinessCheck>).map(([name, check]) => ({ name, check }));
  return async (req, res) => {
    const results = await Promise.all(
      named.map(async ({ name, check }) => [name, await runCheck(name, check, timeoutMs, logger)] as const),
    );
    const byName = Object.fromEntries(results);
    const failed = results.filter(([, result]) => result.status === 'down');
    if (failed.length === 0) {
      res.json({ status: 'ready', checks: byName });
      return;
    }
    const requestId = requestIdOf(req);
    res
      .status(503)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        JSON.stringify({
          type: problemTypeUri('not-ready'),
          title: 'Not ready',
          status: 503,
          detail: `Not ready: ${failed.map(([name, result]) => `${name} (${result.reason})`).join(', ')}.`,
          instance: pathOf(req),
          ...(requestId ? { request_id: requestId } : {}),
          checks: byName,
        }),
      );
  };
}

async function runCheck(name: string, check: ReadinessCheck, timeoutMs: number, logger: Logger): Promise<CheckResult> {
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(check), timedOut]);
    const durationMs = Math.round(performance.now() - startedAt);
    if (outcome === 'timeout') {
      logger.warn({ check: name, timeoutMs }, 'readiness check timed out');
      return { status: 'down', durationMs, reason: `timed out after ${timeoutMs} ms` };
    }
    return { status: 'up', durationMs };
  } catch (error) {
    logger.warn({ check: name, err: error }, 'readiness check failed');
    return { status: 'down', durationMs: Math.round(performance.now() - startedAt), reason: 'failed' };
  } finally {
    clearTimeout(timer);
  }
}
