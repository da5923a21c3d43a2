/** Paths of probes and scrapes: answered often, worth no trace. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);
