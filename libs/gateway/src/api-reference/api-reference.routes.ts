import { dirname, join } from 'node:path';
import { API_LICENSE } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import { Router, type RequestHandler, type Response } from 'express';
import type { UpstreamRoute } from '../routes';
import { DOCS_CONTENT_SECURITY_POLICY, docsInitScript, docsPage } from './docs-page';
import { mergeDocuments, type ServiceDocument } from './merge-documents';
import { loadServiceDocuments, type FetchUpstream } from './service-documents';

export interface ApiReferenceOptions {
  routes: readonly UpstreamRoute[];
  fetchUpstream: FetchUpstream;
  logger: Logger;
  /** The gateway's own operations (the cache operations), merged after the services' documents. */
  ownDocuments?: readonly ServiceDocument[];
  /** How long the merged document is reused before the services are asked again (default 30 s). */
  refreshMs?: number;
  now?: () => number;
}

/** The paths this handler answers, public (no API key): the gateway mounts it before authentication. */
const API_REFERENCE_PATHS: ReadonlySet<string> = new Set(['/openapi.json', '/docs', '/docs/scalar.js', '/docs/init.js']);

const INFO = {
  title: 'Tenantry API',
  version: '1',
  description:
    'The public API of every Tenantry service, through the gateway. Send `Authorization: Bearer <key>`: the platform admin key (ADMIN_API_KEY) or a tenant API key (`tnt_<id>_<secret>`); the plan catalog and this document need none. Errors are RFC 9457 problems (`application/problem+json`). Rate limits are announced in `RateLimit-Policy` and `RateLimit` headers.',
  license: API_LICENSE,
};

// The reference renderer, from the npm package (@scalar/api-reference's standalone bundle): nothing is fetched from a CDN.
const SCALAR_BUNDLE = join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');

/**
 * `GET /openapi.json`: one OpenAPI 3.1 document of every service's public routes, merged from the
 * documents they serve (a service that starts serving one appears within `refreshMs`).
 * `GET /docs`: the interactive reference (Scalar), reading that document.
 * Every other request passes on after one Set lookup: this sits in front of the gateway's hot path.
 */
export function apiReferenceRouter(options: ApiReferenceOptions): RequestHandler {
  const refreshMs = options.refreshMs ?? 30_000;
  const now = options.now ?? Date.now;
  let merged: { json: string; at: number } | undefined;
  let pending: Promise<string> | undefined;

  const document = async (): Promise<string> => {
    if (merged && now() - merged.at < refreshMs) return merged.json;
    // One merge at a time, whatever the number of readers.
    pending ??= loadServiceDocuments(options.routes, options.fetchUpstream, options.logger)
      .then((documents) => {
        const json = JSON.stringify(
          mergeDocuments([...documents, ...(options.ownDocuments ?? [])], {
            info: INFO,
            servers: [{ url: '/', description: 'The Tenantry gateway (where this document is served)' }],
          }),
        );
        merged = { json, at: now() };
        return json;
      })
      .finally(() => (pending = undefined));
    return pending;
  };

  const router = Router();
  router.get('/openapi.json', async (_req, res) => {
    res.setHeader('Cache-Control', `public, max-age=${Math.floor(refreshMs / 1000)}`);
    res.type('application/json').send(await document());
  });
  router.get('/docs', (_req, res) => {
    docsHeaders(res);
    res.type('html').send(docsPage());
  });
  router.get('/docs/init.js', (_req, res) => {
    docsHeaders(res);
    res.type('text/javascript').send(docsInitScript());
  });
  router.get('/docs/scalar.js', (_req, res) => {
    docsHeaders(res);
    res.type('text/javascript').sendFile(SCALAR_BUNDLE);
  });
  return (req, res, next) => (API_REFERENCE_PATHS.has(req.path) ? router(req, res, next) : next());
}

/** The page's own Content-Security-Policy (set after the gateway's defaults, so it wins for these answers). */
function docsHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
  res.setHeader('Cache-Control', 'public, max-age=300');
}
