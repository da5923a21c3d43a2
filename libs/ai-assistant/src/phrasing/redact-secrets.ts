/** What looks like a credential or personal contact detail, and what it becomes. Order matters: keys before the generic `name=value`. */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\btnt_[A-Za-z0-9_-]{4,}/g, '[api key]'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [token]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[token]'],
  [/\b(?:sk|pk|rk)[-_](?:live[-_]|test[-_]|proj[-_])?[A-Za-z0-9_-]{16,}/g, '[api key]'],
  [/\b(?:ghp|gho|ghu|ghs|github_pat|glpat|xox[abpr])[-_][A-Za-z0-9_-]{10,}/g, '[token]'],
  [/\bAKIA[0-9A-Z]{16}\b/g, '[access key]'],
  [/\b(api[_-]?key|secret|token|password|passwd|pwd|passwort|mot de passe|contraseña)(\s*[:=]\s*)("?)[^\s",;]+/gi, '$1$2$3[redacted]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\b(?:\d[ -]?){12,18}\d\b/g, '[card number]'],
  [/\b[A-Fa-f0-9]{32,}\b/g, '[redacted]'],
];

/** Known secret values shorter than this are not searched for (a short value would blank out ordinary words). */
const MIN_KNOWN_SECRET_LENGTH = 8;

/**
 * Removes from `text` everything that may be a credential before it leaves the process: the platform's
 * own secrets by value (admin key, internal secret, the LLM key), then tenant API keys (`tnt_…`), bearer
 * tokens, JWTs, common vendor keys, `password=…`-style pairs, e-mail addresses, card-like numbers and long
 * hex strings.
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let redacted = text;
  for (const secret of [...knownSecrets].filter((s) => s.length >= MIN_KNOWN_SECRET_LENGTH).sort((a, b) => b.length - a.length))
    redacted = redacted.split(secret).join('[secret]');
  for (const [pattern, replacement] of PATTERNS) redacted = redacted.replace(pattern, replacement);
  return redacted;
}
