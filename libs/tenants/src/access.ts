import { assertAdmin, identityOf } from '@tenantry/http';
import type { RequestHandler } from 'express';

/** 403 before anything else for callers that are not the platform admin. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  assertAdmin(identityOf(req));
  next();
};

/** Responses that must never be stored by a cache (the gateway's included): keys, and who may use them. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
