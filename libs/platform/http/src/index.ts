export { createHttpApp, DEFAULT_JSON_LIMIT, type HttpAppOptions } from './app';
export type { DirectHandler, DirectRoutes, NodeDirectHandler } from './direct-dispatch';
export { DEFAULT_READINESS_TIMEOUT_MS, type CheckResult, type ReadinessCheck, type ReadinessChecks } from './health';
export {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  runUntilSignalled,
  type RunUntilSignalledOptions,
  type ShutdownHook,
  type SignalHandle,
} from './lifecycle';
export { CLIENT_CLOSED_REQUEST } from './observe';
export {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  encodeCursor,
  MAX_PAGE_LIMIT,
  pageSchema,
  paginationQuery,
  withQueryCursor,
  type Page,
  type PaginationQuery,
} from './pagination';
export {
  HttpProblem,
  mapErrorToProblem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  problemTypeUri,
  sendProblem,
  type MappedProblem,
  type ProblemBody,
  type ProblemDocument,
} from './problem';
export { REQUEST_ID_HEADER, requestIdOf, setRouteTemplate } from './request-context';
export {
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  startHttpServer,
  type RunningHttpServer,
  type StartHttpServerOptions,
} from './server';
export { route, type RouteDoc, type RouteHandler, type RouteInput, type RouteSchemas } from './validation';
export { notImplemented } from './not-implemented';
export { cacheControl, deploymentStatic } from './cache-control';
export {
  API_LICENSE,
  openApiDocument,
  openApiRoute,
  operationIdOf,
  operationsOf,
  type ApiInfo,
  type ApiMount,
  type DocumentedOperation,
} from './openapi';
export { sampleOf } from './openapi-examples';
export { problemSchema } from './problem-schema';
export {
  assertAdmin,
  assertTenantAccess,
  CLIENT_IDENTITY_HEADERS,
  IDENTITY_HEADER,
  IDENTITY_MAX_AGE_MS,
  IDENTITY_SIGNATURE_HEADER,
  identityOf,
  identitySchema,
  requireSignedIdentity,
  signIdentity,
  verifyIdentity,
  type Identity,
  type IdentityVerification,
  type SignedRequest,
  type VerificationOptions,
} from './identity';
export { featureNotInPlanError, identityHasFeature, requireFeature } from './feature-gate';
export {
  API_KEY_DOCUMENT_PREFIX,
  API_KEY_ID_LENGTH,
  API_KEY_PREFIX,
  API_KEY_SECRET_BYTES,
  apiKeyMatchesHash,
  generateApiKey,
  hashApiKey,
  isApiKeyDocumentId,
  maskApiKey,
  parseApiKey,
  type GeneratedApiKey,
  type ParsedApiKey,
} from './api-key-format';
export {
  DEFAULT_IDEMPOTENCY_LOCK_MS,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotency,
  idempotencyKeyOf,
  type IdempotencyOptions,
  type IdempotencyScope,
  type IdempotentWrapper,
} from './idempotency/idempotent';
export {
  isLive,
  type ClaimResult,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type IdempotencyRecordState,
  type IdempotencyStore,
} from './idempotency/idempotency-store';
export { InMemoryIdempotencyStore } from './idempotency/in-memory-idempotency-store';
export { IDEMPOTENCY_COLLECTION, PersistentIdempotencyStore } from './idempotency/persistent-idempotency-store';
export { canonicalJson, IdempotencySealer, type StoredResponse } from './idempotency/sealing';
