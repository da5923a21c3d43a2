export { ADMIN_TENANT_ID, PUBLIC_TENANT_ID, ResponseCache } from './response-cache';
export { RESPONSES_NAMESPACE, sortedQuery } from './keys';
export type {
  CacheableRequest,
  CacheOutcome,
  CacheStatus,
  HeaderMap,
  NotStorableReason,
  OutcomeReason,
  ResponseCacheOptions,
  ServeResult,
  UpstreamResponse,
} from './types';
