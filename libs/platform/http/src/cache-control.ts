import type { RequestHandler } from 'express';

/**
 * Sets `Cache-Control` on every answer of the routes behind it: what shared caches (the gateway's
 * response cache included) may keep, e.g. `no-store` for secrets and billing state, `public, max-age=300`
 * for a catalog.
 */
export function cacheControl(value: string): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Cache-Control', value);
    next();
  };
}

/** What changes only with a deployment (the plan catalog, the API descriptions): shared caches may keep it 5 minutes. */
export const deploymentStatic: RequestHandler = cacheControl('public, max-age=300');
