import type { Logger } from '@tenantry/telemetry';
import type { UpstreamResponse } from '../response-cache';
import type { UpstreamRoute } from '../routes';
import type { OpenApiDocument, ServiceDocument } from './merge-documents';

/** Asks a service for `GET <url>` (the gateway's Upstreams.fetch; no identity needed: the documents are public). */
export type FetchUpstream = (route: UpstreamRoute, url: string) => Promise<UpstreamResponse>;

/**
 * The documents the services serve at `<prefix>/openapi.json`. A service that does not serve one
 * (yet: it answers 404 or 501 there) is left out, and is in the merged document from the first request
 * after it does; one that cannot be reached is left out with a warning.
 */
export async function loadServiceDocuments(
  routes: readonly UpstreamRoute[],
  fetchUpstream: FetchUpstream,
  logger: Logger,
): Promise<ServiceDocument[]> {
  const loaded = await Promise.all(
    routes.map(async (route): Promise<ServiceDocument | undefined> => {
      try {
        const response = await fetchUpstream(route, `${route.prefix}/openapi.json`);
        if (response.statusCode !== 200) return undefined;
        const document = JSON.parse(response.body.toString('utf8')) as OpenApiDocument;
        if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.')) return undefined;
        return { service: route.service, prefix: route.prefix, document };
      } catch (error) {
        logger.warn(
          { err: error, upstream: route.service },
          'API reference: the {upstream} service did not give its OpenAPI document; left out',
        );
        return undefined;
      }
    }),
  );
  return loaded.filter((document): document is ServiceDocument => document !== undefined);
}
