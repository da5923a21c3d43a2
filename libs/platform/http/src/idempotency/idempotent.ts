import { ConflictError, UnprocessableError, ValidationFailedError } from '@tenantry/contracts';
import type { Logger } from '@tenantry/telemetry';
import type { Request, Response } from 'express';
import { identityOf } from '../identity';
import { mapErrorToProblem, pathOf, sendProblem, type ProblemBody } from '../problem';
import { requestIdOf } from '../request-context';
import type { RouteHandler, RouteSchemas } from '../validation';
import type { IdempotencyStore } from './idempotency-store';
import { IdempotencySealer, type StoredResponse } from './sealing';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
/** How long a finished request's response is replayed (Stripe keeps them 24 h too). */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a claim blocks retries if its request never finishes (the process died): the server's request timeout. */
export const DEFAULT_IDEMPOTENCY_LOCK_MS = 60_000;

/** 1–255 printable ASCII characters. */
const ACCEPTABLE_KEY = /^[\x20-\x7e]{1,255}$/;

/** Whose key space a request uses: a key is only ever matched within the same scope, method and path. */
export interface IdempotencyScope {
  /** The tenant whose data the record is (`platform` for the admin and services). */
  tenantId: string;
  /** The caller: `tenant:<id>`, `admin`, `service:<name>`. */
  scope: string;
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** INTERNAL_SECRET: keys record ids and, with the client's key, the response encryption. */
  secret: string;
  logger?: Logger;
  ttlMs?: number;
  lockMs?: number;
  /** Default: from the gateway-signed identity (the route must be behind `requireSignedIdentity`). */
  scopeOf?: (req: Request) => IdempotencyScope;
  now?: () => Date;
}

/** Wraps a `route()` handler so that it honours `Idempotency-Key`. */
export type IdempotentWrapper = <S extends RouteSchemas, R>(handler: RouteHandler<S, R>) => RouteHandler<S, R | undefined>;

/**
 * Idempotency-Key for POSTs that create or charge (MISSION §4), as Stripe and the IETF draft define it:
 *
 *   router.post('/', route({ body }, idempotent(async ({ body }, req, res) => { res.status(201); return create(body); })));
 *
 * - No header: the handler just runs. A malformed one (not 1–255 printable characters): 400.
 * - The first request with a key claims it (atomically) and runs; a concurrent one gets 409.
 * - When it ends below 500 (a result or a 4xx problem), status, body and Location are kept `ttlMs`
 *   and a retry with the same key and body gets them again with `Idempotent-Replayed: true`, without
 *   running the handler. A 5xx releases the claim so a retry runs again.
 * - Same key with a different body (canonical JSON compared by keyed fingerprint): 422.
 * - The key is scoped to the caller + method + path. Input that fails the route's validation never
 *   reaches the wrapper, so it is not recorded: fix the request and retry with the same key.
 *
 * The handler must RETURN its body (as `route()` handlers do; nothing for an empty response, after
 * setting e.g. `res.status(204)`), not write the response itself.
 */
export function idempotency(options: IdempotencyOptions): IdempotentWrapper {
  const sealer = new IdempotencySealer(options.secret);
  const ttlMs = options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  const lockMs = options.lockMs ?? DEFAULT_IDEMPOTENCY_LOCK_MS;
  const now = options.now ?? (() => new Date());
  const scopeOf = options.scopeOf ?? scopeFromIdentity;
  const { store, logger } = options;

  return <S extends RouteSchemas, R>(handler: RouteHandler<S, R>): RouteHandler<S, R | undefined> =>
    async (input, req, res) => {
      const key = idempotencyKeyOf(req);
      if (key === undefined) return handler(input, req, res);

      const { tenantId, scope } = scopeOf(req);
      const id = sealer.recordId(scope, req.method, pathOf(req), key);
      const fingerprint = sealer.fingerprint(key, req.body);
      const started = now();
      const claim = await store.claim(
        { id, tenantId, fingerprint, lockedUntil: new Date(started.getTime() + lockMs), expiresAt: new Date(started.getTime() + ttlMs) },
        started,
      );

      if (claim.outcome === 'exists') {
        const { record } = claim;
        if (!sealer.sameFingerprint(record.fingerprint, fingerprint)) {
          throw new UnprocessableError(
            `This ${IDEMPOTENCY_KEY_HEADER} was already used with a different request body; use a new key for a new request.`,
          );
        }
        if (record.state === 'in_progress' || record.sealedResponse === undefined) {
          throw new ConflictError(`A request with this ${IDEMPOTENCY_KEY_HEADER} is still in progress; retry once it has finished.`);
        }
        replay(req, res, sealer.open(key, id, record.sealedResponse));
        return undefined;
      }

      const owned = { id, tenantId, token: claim.token };
      const finish = async (response: StoredResponse): Promise<void> => {
        try {
          const stored = await store.complete(owned, sealer.seal(key, id, response), new Date(now().getTime() + ttlMs));
          if (!stored)
            logger?.warn({ status: response.status }, 'idempotency claim expired before the request finished; its response was not kept');
        } catch (error) {
          // The work is done: the client still gets its answer. A retry after the lock expires runs again.
          logger?.error({ err: error }, 'could not keep the response of an idempotent request');
        }
      };

      let result: R;
      try {
        result = await handler(input, req, res);
      } catch (error) {
        const mapped = mapErrorToProblem(error);
        if (mapped.problem.status >= 500) {
          await store
            .release(owned)
            .catch((releaseError: unknown) => logger?.error({ err: releaseError }, 'could not release an idempotency claim'));
        } else {
          await finish({ status: mapped.problem.status, kind: 'problem', body: mapped.problem });
        }
        throw error;
      }
      if (res.headersSent) {
        // Not replayable: the handler wrote the response itself. Free the key rather than keep a wrong answer.
        logger?.warn('an idempotent handler wrote its own response; the Idempotency-Key was released');
        await store.release(owned).catch(() => undefined);
        return result;
      }
      const location = res.getHeader('location');
      await finish({
        status: res.statusCode,
        kind: result === undefined ? 'empty' : 'json',
        ...(result === undefined ? {} : { body: JSON.parse(JSON.stringify(result)) as unknown }),
        ...(typeof location === 'string' ? { location } : {}),
      });
      if (result === undefined) res.end(); // `route()` sends only returned bodies
      return result;
    };
}

/** The request's Idempotency-Key, undefined when absent; 400 when malformed. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && ACCEPTABLE_KEY.test(value)) return value;
  const message = 'Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good choice).';
  throw new ValidationFailedError(message, [{ field: 'headers.idempotency-key', message }]);
}

function scopeFromIdentity(req: Request): IdempotencyScope {
  const identity = identityOf(req);
  switch (identity.role) {
    case 'tenant':
      return { tenantId: identity.tenantId, scope: `tenant:${identity.tenantId}` };
    case 'admin':
      return { tenantId: 'platform', scope: 'admin' };
    case 'service':
      return { tenantId: 'platform', scope: `service:${identity.service}` };
  }
}

function replay(req: Request, res: Response, stored: StoredResponse): void {
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  if (stored.location) res.setHeader('Location', stored.location);
  if (stored.kind === 'problem') {
    sendProblem(req, res, { problem: stored.body as ProblemBody, headers: {} }, requestIdOf(req));
  } else if (stored.kind === 'empty') {
    res.status(stored.status).end();
  } else {
    res.status(stored.status).json(stored.body);
  }
}
