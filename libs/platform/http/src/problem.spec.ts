import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  NotImplementedError,
  RateLimitedError,
  ServiceUnavailableError,
  type TenantryError,
  UnauthorizedError,
  UnprocessableError,
  ValidationFailedError,
} from '@tenantry/contracts';
import express from 'express';
import { z } from 'zod';
import { INTERNAL_ERROR_DETAIL, PROBLEM_CONTENT_TYPE } from './problem';
import { serveApp, type ServedApp } from './test-support/harness';

describe('problem+json responses', () => {
  let served: ServedApp;
  let thrown: unknown;

  beforeAll(async () => {
    served = await serveApp(
      (app) => {
        app.get('/api/v1/boom', async () => {
          throw thrown;
        });
        app.post('/api/v1/echo', (req, res) => {
          res.json({ received: req.body as unknown });
        });
      },
      { json: { limit: '1kb' } },
    );
  });
  afterAll(() => served.close());

  async function problemFor(error: unknown, path = '/api/v1/boom') {
    thrown = error;
    const response = await fetch(`${served.url}${path}?api_key=should-not-echo`, { headers: { 'x-request-id': 'req-123' } });
    return { response, body: (await response.json()) as Record<string, unknown> };
  }

  it.each<[string, TenantryError, number, string]>([
    ['NotFound', new NotFoundError('Tenant ten_1 was not found.'), 404, 'not-found'],
    ['Conflict', new ConflictError('A tenant with this slug exists.'), 409, 'conflict'],
    ['Forbidden', new ForbiddenError('The tenant is suspended.', { tenantStatus: 'suspended' }), 403, 'forbidden'],
    ['Unauthorized', new UnauthorizedError('The API key is missing or invalid.'), 401, 'unauthorized'],
    ['Unprocessable', new UnprocessableError('Idempotency-Key reused with another body.'), 422, 'unprocessable'],
    ['NotImplemented', new NotImplementedError('Not yet.'), 501, 'not-implemented'],
    ['ServiceUnavailable', new ServiceUnavailableError('The database is unreachable.'), 503, 'service-unavailable'],
  ])('when a handler throws %s, then the response is its problem document', async (_name, error, status, problemType) => {
    const { response, body } = await problemFor(error);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(body).toEqual({
      ...error.extensions,
      type: `https://tenantry.dev/problems/${problemType}`,
      title: error.title,
      status,
      detail: error.message,
      instance: '/api/v1/boom',
      request_id: 'req-123',
    });
  });

  it('when a handler throws RateLimited, then the problem is 429 with a Retry-After header in whole seconds', async () => {
    const { response, body } = await problemFor(new RateLimitedError('100 requests per minute exceeded.', 12.2, { limit: 100 }));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('13');
    expect(body).toMatchObject({ type: 'https://tenantry.dev/problems/rate-limited', status: 429, limit: 100 });
  });

  it('when a handler throws ValidationFailed, then the failing fields are listed', async () => {
    const issues = [{ field: 'settings.timezone', message: 'Unknown time zone.' }];
    const { response, body } = await problemFor(new ValidationFailedError('The settings are invalid.', issues));
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ type: 'https://tenantry.dev/problems/validation-failed', errors: issues });
  });

  it('when a handler throws a ZodError, then it is a 400 validation problem listing each field', async () => {
    const result = z.object({ name: z.string(), seats: z.number().int().positive() }).safeParse({ seats: -1 });
    const { response, body } = await problemFor(result.error);
    expect(response.status).toBe(400);
    expect(body['errors']).toEqual([
      { field: 'name', message: expect.any(String) },
      { field: 'seats', message: expect.any(String) },
    ]);
    expect(body['detail']).toBe('Request validation failed for: name, seats.');
  });

  it('when an extension tries to replace a standard member, then the standard member wins', async () => {
    const { body } = await problemFor(new ConflictError('Real detail.', { status: 200, type: 'spoofed', detail: 'spoofed' }));
    expect(body).toMatchObject({ status: 409, type: 'https://tenantry.dev/problems/conflict', detail: 'Real detail.' });
  });

  it('when a handler throws anything else, then it is a generic 500 that leaks nothing, logged with its stack', async () => {
    const { response, body } = await problemFor(new Error('connection to mongodb://admin:hunter2@db failed'));
    expect(response.status).toBe(500);
    expect(body).toEqual({
      type: 'https://tenantry.dev/problems/internal-error',
      title: 'Internal server error',
      status: 500,
      detail: INTERNAL_ERROR_DETAIL,
      instance: '/api/v1/boom',
      request_id: 'req-123',
    });
    const logged = served.logs.lines().find((line) => line['msg'] === 'request failed with an unexpected error');
    expect(logged).toMatchObject({ level: 'error', request_id: 'req-123', err: { stack: expect.stringContaining('problem.spec.ts') } });
  });

  it('when no route matches, then it is a 404 problem naming the method and path', async () => {
    const response = await fetch(`${served.url}/api/v1/nowhere?x=1`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(await response.json()).toMatchObject({
      type: 'https://tenantry.dev/problems/not-found',
      status: 404,
      detail: 'No route for GET /api/v1/nowhere.',
      instance: '/api/v1/nowhere',
      request_id: expect.any(String),
    });
  });

  it('when the JSON body is malformed, then it is a 400 malformed-json problem', async () => {
    const response = await fetch(`${served.url}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'https://tenantry.dev/problems/malformed-json',
      title: 'Malformed JSON',
      status: 400,
    });
  });

  it('when the body exceeds the limit, then it is a 413 problem', async () => {
    const response = await fetch(`${served.url}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blob: 'x'.repeat(2_048) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ type: 'https://tenantry.dev/problems/payload-too-large', status: 413 });
  });

  it('when the JSON body has an unsupported charset, then it is a 415 problem', async () => {
    const response = await fetch(`${served.url}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=klingon' },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ type: 'https://tenantry.dev/problems/unsupported-media-type', status: 415 });
  });

  it('when the response already started, then the error handler leaves the connection to express', async () => {
    const streamed = await serveApp((app) => {
      app.get('/stream', (_req, res, next) => {
        res.write('partial');
        next(new Error('mid-stream failure'));
      });
    });
    try {
      await expect(fetch(`${streamed.url}/stream`).then((response) => response.text())).rejects.toThrow();
    } finally {
      await streamed.close();
    }
  });
});

describe('x-powered-by', () => {
  it('when any response is sent, then it does not advertise express', async () => {
    const served = await serveApp((app: express.Express) => app.get('/x', (_req, res) => void res.send('ok')));
    try {
      expect((await fetch(`${served.url}/x`)).headers.get('x-powered-by')).toBeNull();
    } finally {
      await served.close();
    }
  });
});
