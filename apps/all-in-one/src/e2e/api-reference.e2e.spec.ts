import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeWithChromium, describeWithInfra } from '@tenantry/testing';
import { chromium, type Browser } from 'playwright-core';
import { realInfraEnv, usePlatform } from '../test-support/e2e-harness';

const ROOT = path.resolve(__dirname, '../../../..');
const run = promisify(execFile);

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, { example?: unknown }> };
};
interface Document {
  openapi: string;
  info: { license?: unknown };
  servers?: Array<{ url: string; description?: string }>;
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
}

const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([route, item]) =>
    Object.entries(item).map(([method, operation]) => ({ route, method, operation })),
  );

/** The API reference at the gateway: one merged OpenAPI document and its interactive page, without a key. */
describeWithInfra('API reference at the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));
  const anonymous = admin.as(undefined);
  let merged: Document;
  beforeAll(async () => {
    const response = await anonymous.get<Document>('/openapi.json');
    expect(response.status).toBe(200);
    merged = response.body;
  });

  it('when asked without a key, then /openapi.json holds every operation of every service that serves its own document', async () => {
    // Every service serves its own document now (observability's and the assistant's need a key: the admin's).
    const own = await Promise.all(
      ['/api/v1/tenants', '/api/v1/monetization', '/api/v1/observability', '/api/v1/ai-assistant'].map(async (prefix) => {
        const response = await admin.get<Document>(`${prefix}/openapi.json`);
        expect([prefix, response.status]).toEqual([prefix, 200]);
        return response.body;
      }),
    );
    // …and the gateway's own operations (its cache API, libs/gateway/src/cache-admin).
    const gatewayOwn = [
      'get /api/v1/gateway/cache/tenants/{tenant_id}',
      'delete /api/v1/gateway/cache/tenants/{tenant_id}',
      'post /api/v1/gateway/cache/tenants/{tenant_id}/warm',
    ];
    const expected = [...own.flatMap(operationsOf).map(({ route, method }) => `${method} ${route}`), ...gatewayOwn];
    expect(expected.length).toBeGreaterThan(20);
    expect(
      operationsOf(merged)
        .map(({ route, method }) => `${method} ${route}`)
        .sort(),
    ).toEqual(expected.sort());
    expect(merged.openapi).toBe('3.1.0');
  });

  it("when a client reads an operation, then it has an operationId, a summary, its service's tag, the security it needs and an example for its body", () => {
    expect(merged.servers?.[0]?.description).toMatch(/gateway/);
    expect(merged.info.license).toBeDefined();
    expect(merged.security).toEqual([{ bearer: [] }]);
    const ids = new Set<string>();
    for (const { route, method, operation } of operationsOf(merged)) {
      const where = `${method} ${route}`;
      expect([where, typeof operation.operationId]).toEqual([where, 'string']);
      ids.add(operation.operationId as string);
      expect([where, operation.summary?.length ?? 0]).not.toEqual([where, 0]);
      expect([where, operation.tags?.length ?? 0]).not.toEqual([where, 0]);
      if (operation.requestBody)
        expect([where, operation.requestBody.content['application/json']?.example]).not.toEqual([where, undefined]);
    }
    expect(ids.size).toBe(operationsOf(merged).length);
    // The catalog is public; everything else needs the bearer key (the root requirement).
    expect(merged.paths['/api/v1/monetization/plans']?.['get']?.security).toEqual([]);
  });

  it('when Redocly lints the merged document with its recommended rules, then it reports no error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tenantry-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(merged));
      const result = await run(
        path.join(ROOT, 'node_modules/.bin/redocly'),
        ['lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'],
        {
          cwd: ROOT,
          // No usage telemetry and no update check: CI runs offline.
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      ).catch((error: { stdout: string; stderr: string }) => error);
      const report = JSON.parse(result.stdout) as {
        totals: { errors: number; warnings: number };
        problems: Array<{ ruleId: string; severity: string; message: string }>;
      };
      expect(report.problems.filter(({ severity }) => severity === 'error')).toEqual([]);
      expect(report.totals.errors).toBe(0);
      // The body examples (made from the schemas) are valid instances of them.
      expect(report.problems.filter(({ ruleId }) => ruleId === 'no-invalid-media-type-examples')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  describeWithChromium('the /docs page in headless Chromium', (executablePath) => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    }, 30_000);
    afterAll(() => browser?.close());

    it('when a newcomer opens /docs, then the reference renders the operations from the gateway alone, within its Content-Security-Policy', async () => {
      const page = await browser.newPage();
      const origin = new URL(admin.baseUrl).origin;
      // Scalar's stylesheet names its web fonts on fonts.scalar.com whatever `withDefaultFonts` says: the
      // page's policy (font-src 'self') blocks them, so nothing may reach another host.
      const fetchedElsewhere: string[] = [];
      page.on('requestfinished', (request) => {
        const url = new URL(request.url());
        if (url.origin !== origin && url.protocol !== 'data:' && url.protocol !== 'blob:') fetchedElsewhere.push(request.url());
      });
      const scriptErrors: string[] = [];
      page.on('pageerror', (error) => scriptErrors.push(String(error)));
      const response = await page.goto(`${admin.baseUrl}/docs`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

      // The first service's operations are listed by path; the sidebar has one group per service.
      await page.getByText('/api/v1/tenants/{tenant_id}/features', { exact: true }).first().waitFor({ state: 'attached', timeout: 20_000 });
      for (const service of ['tenants', 'billing'])
        await page
          .getByText(new RegExp(`Group - ${service}$`))
          .first()
          .waitFor({ state: 'attached' });
      // Opening billing's group shows its areas, and opening one its operations.
      await page.getByText('Open Group - billing', { exact: true }).first().click();
      await page.getByText('Open Group - catalog', { exact: true }).first().click();
      await page.getByText('/api/v1/monetization/compare-plans', { exact: true }).first().waitFor({ state: 'attached', timeout: 10_000 });
      await page.getByText('Tenantry API', { exact: true }).first().waitFor({ state: 'attached' });
      await expect(page.title()).resolves.toContain('Tenantry');
      expect(fetchedElsewhere).toEqual([]);
      expect(scriptErrors).toEqual([]);
      await page.close();
    }, 60_000);
  });
});
