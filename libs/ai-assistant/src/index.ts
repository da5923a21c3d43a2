export { aiAssistantService, assistantServiceWith, WORKERS_CONSUMER_GROUP, type AssistantServiceOptions } from './ai-assistant-service';
export { createAssistantApp, API_PREFIX } from './ai-assistant-app';
export { EVENT_SOURCE } from './events';
export { ACTIONS } from './actions/registry';
export { defineAction, TaskCancelledError, type ActionContext, type ActionDefinition, type AnyAction } from './actions/action';
export type { TaskWorker } from './queue/task-worker';
