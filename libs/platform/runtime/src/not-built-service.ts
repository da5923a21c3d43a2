import type { ServiceName } from '@tenantry/config';
import type { Feature } from '@tenantry/contracts';
import { createHttpApp, notImplemented, requireFeature, requireSignedIdentity } from '@tenantry/http';
import type { ServiceDefinition } from './run-services';

export interface NotBuiltServiceOptions {
  name: ServiceName;
  apiPrefix: string;
  /** What is missing, named in every 501 answer. */
  capability: string;
  /**
   * The plan feature the service's API requires (e.g. `ai_assistant`): requests must then carry the
   * gateway's signed identity, and a tenant whose plan lacks the feature gets the 403 the gateway gives
   * — before the 501, so what a tenant may not use does not depend on whether it is built yet.
   */
  requiredFeature?: Feature;
}

/**
 * A service whose capability is not built yet: it runs, is probed and scraped like the others, and
 * answers its API with 501 problems naming what is missing — never with fake data.
 */
export function notBuiltService(options: NotBuiltServiceOptions): ServiceDefinition {
  return {
    name: options.name,
    // It answers 501 and checks signatures: it uses no infrastructure.
    needs: { persistence: false, eventBus: false, cache: false },
    start: (platform, logger) => ({
      app: createHttpApp({
        service: options.name,
        logger,
        readiness: platform.readiness,
        configure(app) {
          if (options.requiredFeature) {
            app.use(
              options.apiPrefix,
              requireSignedIdentity(platform.config.internalSecret.value, {
                audience: options.name,
                maxAgeMs: platform.config.identityMaxAgeMs,
              }),
              requireFeature(options.requiredFeature),
            );
          }
          app.use(options.apiPrefix, notImplemented(options.capability));
        },
      }),
    }),
  };
}
