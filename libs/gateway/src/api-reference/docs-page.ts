/**
 * The interactive API reference page: Scalar's standalone bundle, served by the gateway, reading
 * `/openapi.json`. No inline script (the configuration is `/docs/init.js`), so the policy allows
 * scripts from the gateway only; Scalar injects its styles, hence `'unsafe-inline'` for styles alone.
 * Its default fonts, telemetry and AI agent would reach third-party hosts: they are switched off, and
 * `connect-src 'self'` keeps "try it" requests on the gateway.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Tenantry API reference</title>
  </head>
  <body>
    <div id="api-reference"></div>
    <script src="/docs/scalar.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;
}

export function docsInitScript(): string {
  const configuration = {
    url: '/openapi.json',
    withDefaultFonts: false,
    telemetry: false,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    persistAuth: false,
  };
  return `Scalar.createApiReference('#api-reference', ${JSON.stringify(configuration)});\n`;
}
