import { matchRoute } from '../routes';

/**
 * A segment that names a resource rather than a route: it holds a digit, an underscore (`ten_…`,
 * `key_…`), a character outside lower-case words and hyphens, or is long. Literal segments of the API
 * (`features`, `api-keys`, `compare-plans`) are none of these.
 */
const ID_SEGMENT = /[^a-z-]|^.{41,}$/;

/**
 * The route template of a tenant path, as the cache statistics group it: the gateway route's prefix
 * (`/api/v1/tenants`), then every further segment kept, or replaced by `{id}` when it names a resource —
 * `/api/v1/tenants/ten_ab12/features` → `/api/v1/tenants/{id}/features`. A template given back
 * (`/api/v1/tenants/{id}`) is its own template. Undefined for a path no gateway route serves.
 */
export function routeTemplateOf(path: string): string | undefined {
  const route = matchRoute(path);
  if (!route) return undefined;
  const rest = path.slice(route.prefix.length).split('/').slice(1);
  return [route.prefix, ...rest.map((segment) => (segment === '{id}' || ID_SEGMENT.test(segment) ? '{id}' : segment))].join('/');
}
