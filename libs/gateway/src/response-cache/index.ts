export { ADMIN_TENANT_ID, PUBLIC_TENANT_ID, ResponseCache, type Prefetched } from './response-cache';
export { generationKey, parseResponseKey, RESPONSES_NAMESPACE, sortedQuery, type ParsedResponseKey } from './keys';
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
  WarmResult,
} from './types';
