import { createHttpApp, notImplemented, type ReadinessChecks } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';

export interface AiAssistantAppDependencies {
  logger: Logger;
  readiness?: ReadinessChecks;
}

/** The ai-assistant service's HTTP app. It does not listen: apps/ai-assistant/src/main.ts and the all-in-one do. */
export function buildAiAssistantApp({ logger, readiness }: AiAssistantAppDependencies): Express {
  return createHttpApp({
    service: 'ai-assistant',
    logger,
    readiness,
    configure(app) {
      app.use('/api/v1/ai-assistant', notImplemented('Automation tasks'));
    },
  });
}

/** How the runtime starts the ai-assistant service (alone in apps/ai-assistant, or with the others in apps/all-in-one). */
export const aiAssistantService: ServiceDefinition = {
  name: 'ai-assistant',
  start: (platform, logger) => ({ app: buildAiAssistantApp({ logger, readiness: platform.readiness }) }),
};
