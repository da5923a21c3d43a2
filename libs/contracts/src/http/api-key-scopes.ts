import { z } from 'zod';

/**
 * What an API key may be limited to: one area per service behind the gateway, read or write. A key
 * without scopes may do all its tenant may do; a key with scopes may do only what one of them allows:
 *
 * - `<area>:read` — `GET`, `HEAD` and `OPTIONS` in that area;
 * - `<area>:write` — every method in that area (reads included).
 *
 * The areas are the gateway's routes: `tenants` (`/api/v1/tenants`, API keys included), `billing`
 * (`/api/v1/monetization`), `observability` and `ai-assistant`.
 */
export const API_KEY_SCOPES = [
  'tenants:read',
  'tenants:write',
  'billing:read',
  'billing:write',
  'observability:read',
  'observability:write',
  'ai-assistant:read',
  'ai-assistant:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export type ScopeArea = ApiKeyScope extends `${infer Area}:${string}` ? Area : never;

export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES);

const KNOWN_SCOPES: ReadonlySet<string> = new Set(API_KEY_SCOPES);

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return KNOWN_SCOPES.has(value);
}

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope a request needs: `<area>:read` for a read, `<area>:write` for anything else. */
export function requiredScope(area: ScopeArea, method: string): ApiKeyScope {
  return `${area}:${READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write'}`;
}

/** Whether a key with `scopes` may do what `scope` allows (`write` includes `read`; no scopes: anything). */
export function scopesAllow(scopes: readonly string[], scope: ApiKeyScope): boolean {
  if (scopes.length === 0 || scopes.includes(scope)) return true;
  return scope.endsWith(':read') && scopes.includes(`${scope.slice(0, -':read'.length)}:write`);
}
