import { startTenantsHarness, type TenantsHarness } from './test-support/tenants-harness';

const API = '/api/v1/tenants';

interface Document {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; responses: Record<string, unknown> }>>;
}

/** The tenants API describes itself (OpenAPI 3.1) from the same zod schemas its routes validate with. */
describe('GET /api/v1/tenants/openapi.json', () => {
  let h: TenantsHarness;
  let document: Document;
  beforeAll(async () => {
    h = await startTenantsHarness();
    const response = await fetch(`${h.url}${API}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
  });
  afterAll(() => h.close());

  it('when asked without any identity, then it describes every operation of the API with its success status', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => `${method.toUpperCase()} ${path} ${Object.keys(operation.responses)[0]}`),
    );
    expect(operations).toEqual([
      `POST ${API} 201`,
      `GET ${API} 200`,
      `GET ${API}/{tenant_id} 200`,
      `PUT ${API}/{tenant_id} 200`,
      `POST ${API}/{tenant_id}/status 200`,
      `POST ${API}/{tenant_id}/upgrade 200`,
      `GET ${API}/{tenant_id}/features 200`,
      `GET ${API}/{tenant_id}/usage 200`,
      `POST ${API}/{tenant_id}/api-keys 201`,
      `GET ${API}/{tenant_id}/api-keys 200`,
      `DELETE ${API}/{tenant_id}/api-keys/{key_id} 204`,
      `POST ${API}/{tenant_id}/api-keys/{key_id}/rotate 201`,
    ]);
  });

  it('when an operation creates or charges, then it documents the Idempotency-Key header', () => {
    const headers = (path: string, method: string) =>
      (document.paths[path]?.[method]?.parameters ?? []).filter((parameter) => parameter.in === 'header').map(({ name }) => name);
    expect(headers(API, 'post')).toEqual(['idempotency-key']);
    expect(headers(`${API}/{tenant_id}/api-keys/{key_id}/rotate`, 'post')).toEqual(['idempotency-key']);
    expect(headers(`${API}/{tenant_id}`, 'put')).toEqual([]);
  });

  it('when the document is served without identity, then the API routes themselves still refuse unsigned requests', async () => {
    const { tenant } = await h.createTenant();
    expect((await h.call(null, 'GET', `${API}/${tenant.id}`)).status).toBe(401);
  });
});
