import { notBuiltService } from '@tenantry/runtime';

/**
 * How the runtime starts the ai-assistant service (alone in apps/ai-assistant, or with the others in apps/all-in-one).
 * Its whole API needs the `ai_assistant` feature (pro, enterprise): checked here too, not only at the gateway.
 */
export const aiAssistantService = notBuiltService({
  name: 'ai-assistant',
  apiPrefix: '/api/v1/ai-assistant',
  capability: 'Automation tasks',
  requiredFeature: 'ai_assistant',
});
