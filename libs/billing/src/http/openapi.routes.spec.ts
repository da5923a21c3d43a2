import { ADMIN, startBillingHarness, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem } from './test-support/route-calls';

const API = '/api/v1/monetization';

interface Document {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        summary: string;
        security?: unknown[];
        requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
        responses: Record<string, unknown>;
      }
    >
  >;
}

/** The billing API describes itself (OpenAPI 3.1) from the same zod schemas its routes validate with. */
describe('GET /api/v1/monetization/openapi.json', () => {
  let h: BillingHarness;
  let document: Document;
  beforeAll(async () => {
    h = await startBillingHarness();
    const response = await fetch(`${h.url}${API}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    document = (await response.json()) as Document;
  });
  afterAll(() => h.close());

  it('when asked without any identity, then it describes every public operation of the service with its success status', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => `${method.toUpperCase()} ${path} ${Object.keys(operation.responses)[0]}`),
    );
    expect(operations).toEqual([
      `GET ${API}/plans 200`,
      `GET ${API}/plans/{plan_id} 200`,
      `GET ${API}/compare-plans 200`,
      `POST ${API}/subscribe 201`,
      `GET ${API}/subscriptions 200`,
      `GET ${API}/subscriptions/{subscription_id} 200`,
      `GET ${API}/subscriptions/{subscription_id}/upcoming-invoice 200`,
      `POST ${API}/subscriptions/{subscription_id}/change 200`,
      `POST ${API}/subscriptions/{subscription_id}/cancel 200`,
      `DELETE ${API}/subscriptions/{subscription_id}/pending-change 200`,
      `GET ${API}/invoices 200`,
      `GET ${API}/invoices/{invoice_id} 200`,
      `POST ${API}/invoices/{invoice_id}/mark-paid 200`,
      `POST ${API}/usage-report 200`,
    ]);
    expect(Object.keys(document.paths).some((path) => path.startsWith('/internal'))).toBe(false);
  });

  it('when the catalog is described, then it needs no key; the rest needs the bearer key', () => {
    const security = (path: string) => document.paths[path]?.['get']?.security;
    expect([security(`${API}/plans`), security(`${API}/compare-plans`)]).toEqual([[], []]);
    expect(security(`${API}/invoices`)).toBeUndefined();
  });

  it('when a request body is described, then its required fields are the ones the route refuses to go without', async () => {
    const subscribe = document.paths[`${API}/subscribe`]?.['post']?.requestBody?.content['application/json']?.schema;
    expect(subscribe?.required).toEqual(['plan_id']);
    expectProblem(await h.call(ADMIN, 'POST', `${API}/subscribe?tenant_id=ten_any`, {}), 400, 'validation-failed', ['plan_id']);
  });
});
