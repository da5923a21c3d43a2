import type { ServiceName } from '@tenantry/config';
import { createHttpApp, notImplemented } from '@tenantry/http';
import type { ServiceDefinition } from './run-services';

/**
 * A service whose capability is not built yet: it runs, is probed and scraped like the others, and
 * answers its API with 501 problems naming what is missing — never with fake data.
 */
export function notBuiltService(options: { name: ServiceName; apiPrefix: string; capability: string }): ServiceDefinition {
  return {
    name: options.name,
    start: (platform, logger) => ({
      app: createHttpApp({
        service: options.name,
        logger,
        readiness: platform.readiness,
        configure(app) {
          app.use(options.apiPrefix, notImplemented(options.capability));
        },
      }),
    }),
  };
}
