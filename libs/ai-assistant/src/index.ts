export { buildAiAssistantApp, aiAssistantService, type AiAssistantAppDependencies } from './app';
