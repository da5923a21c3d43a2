import express from 'express';
import { z } from 'zod';
import { decodeCursor, encodeCursor, paginationQuery, type Page } from './pagination';
import { serveApp, type ServedApp } from './test-support/harness';
import { route } from './validation';

const createTenantBody = z.object({
  name: z.string().min(1),
  settings: z.object({ timezone: z.string().min(1), billingEmail: z.email() }).optional(),
});
const tenantParams = z.object({ tenantId: z.string().regex(/^ten_[a-z0-9]+$/) });
const cursorPosition = z.object({ after: z.string() });

describe('route(): validated, typed input', () => {
  let served: ServedApp;
  const seen: unknown[] = [];

  beforeAll(async () => {
    served = await serveApp((app) => {
      const router = express.Router();
      router.get(
        '/tenants',
        route({ query: paginationQuery }, ({ query }): Page<string> => {
          seen.push(query);
          const after = query.cursor ? decodeCursor(query.cursor, cursorPosition).after : '';
          return { items: [`after:${after}`, `limit:${query.limit}`], next_cursor: encodeCursor({ after: 'ten_b' }) };
        }),
      );
      router.post(
        '/tenants/:tenantId/settings',
        route(
          { params: tenantParams, body: createTenantBody, headers: z.object({ 'idempotency-key': z.string().min(8).optional() }) },
          (input, _req, res) => {
            seen.push(input);
            res.status(201);
            return { tenantId: input.params.tenantId, name: input.body.name, key: input.headers['idempotency-key'] ?? null };
          },
        ),
      );
      router.delete(
        '/tenants/:tenantId',
        route({ params: tenantParams }, (_input, _req, res) => {
          res.status(204).end();
        }),
      );
      app.use('/api/v1', router);
    });
  });
  afterAll(() => served.close());
  beforeEach(() => (seen.length = 0));

  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${served.url}${path}`, { method: 'POST', headers, body });

  it('when query numbers arrive as strings, then the handler gets them coerced, with defaults applied', async () => {
    await fetch(`${served.url}/api/v1/tenants?limit=50`);
    await fetch(`${served.url}/api/v1/tenants`);
    expect(seen).toEqual([{ limit: 50 }, { limit: 20 }]);
  });

  it('when the query is out of bounds, then one 400 names each field with its location', async () => {
    const response = await fetch(`${served.url}/api/v1/tenants?limit=500&cursor=`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ field: string; message: string }>; detail: string };
    expect(body.errors.map((issue) => issue.field)).toEqual(['query.limit', 'query.cursor']);
    expect(body.detail).toBe('Request validation failed for: query.limit, query.cursor.');
    expect(seen).toEqual([]);
  });

  it('when params, headers and body are all valid, then the handler gets all of them parsed and its value is sent', async () => {
    const response = await post('/api/v1/tenants/ten_a1/settings', JSON.stringify({ name: 'Acme', extra: 'dropped' }), {
      'content-type': 'application/json',
      'idempotency-key': 'key-12345678',
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ tenantId: 'ten_a1', name: 'Acme', key: 'key-12345678' });
    expect(seen[0]).toMatchObject({ params: { tenantId: 'ten_a1' }, body: { name: 'Acme' }, query: undefined });
    expect(seen[0]).not.toHaveProperty('body.extra');
  });

  it('when several parts are invalid, then every failing field is named: body fields plain, others prefixed', async () => {
    const response = await post(
      '/api/v1/tenants/NOPE/settings',
      JSON.stringify({ name: '', settings: { timezone: 'UTC', billingEmail: 'nope' } }),
      {
        'content-type': 'application/json',
        'idempotency-key': 'short',
      },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; errors: Array<{ field: string }> };
    expect(body.type).toBe('https://tenantry.dev/problems/validation-failed');
    expect(body.errors.map((issue) => issue.field)).toEqual([
      'params.tenantId',
      'headers.idempotency-key',
      'name',
      'settings.billingEmail',
    ]);
  });

  it('when a body route gets no body, then the problem says a JSON body is required', async () => {
    const response = await fetch(`${served.url}/api/v1/tenants/ten_a1/settings`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([{ field: '', message: 'A JSON request body is required.' }]);
  });

  it('when a body route gets a non-JSON body, then it is a 415 problem', async () => {
    const response = await post('/api/v1/tenants/ten_a1/settings', 'name=Acme', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ type: 'https://tenantry.dev/problems/unsupported-media-type', status: 415 });
  });

  it('when the handler writes the response itself, then nothing else is sent', async () => {
    const response = await fetch(`${served.url}/api/v1/tenants/ten_a1`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('when a cursor from a previous page comes back, then the handler decodes its position', async () => {
    const first = (await (await fetch(`${served.url}/api/v1/tenants?limit=1`)).json()) as Page<string>;
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await (await fetch(`${served.url}/api/v1/tenants?cursor=${first.next_cursor}`)).json()) as Page<string>;
    expect(second.items[0]).toBe('after:ten_b');
  });

  it('when a cursor was tampered with, then it is a 400 naming query.cursor, not a 500', async () => {
    const response = await fetch(`${served.url}/api/v1/tenants?cursor=${encodeCursor({ before: 1 })}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('query.cursor');
    const garbage = await fetch(`${served.url}/api/v1/tenants?cursor=%%%not-base64`);
    expect(garbage.status).toBe(400);
  });
});
