import { notBuiltService } from '@tenantry/runtime';

/** How the runtime starts the ai-assistant service (alone in apps/ai-assistant, or with the others in apps/all-in-one). */
export const aiAssistantService = notBuiltService({ name: 'ai-assistant', apiPrefix: '/api/v1/ai-assistant', capability: 'Automation tasks' });
