import { assertAdmin, cacheControl, identityOf } from '@tenantry/http';
import type { RequestHandler } from 'express';

/** 403 before anything else for callers that are not the platform admin. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  assertAdmin(identityOf(req));
  next();
};

/** Responses that must never be stored by a cache (the gateway's included): keys, and who may use them. */
export const noStore: RequestHandler = cacheControl('no-store');
