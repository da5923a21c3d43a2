import { SERVICE_NAMES } from '@tenantry/config';

/** The seed calls the gateway `api-gateway`: both names answer. */
const ALIASES: Record<string, string> = { 'api-gateway': 'gateway' };

/** The platform's name of a service, or null for an unknown one. */
export function canonicalService(name: string): string | null {
  const canonical = ALIASES[name] ?? name;
  return (SERVICE_NAMES as readonly string[]).includes(canonical) ? canonical : null;
}
