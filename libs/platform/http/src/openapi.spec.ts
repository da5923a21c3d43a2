import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Router } from 'express';
import { z } from 'zod';
import { openApiDocument, operationIdOf, operationsOf } from './openapi';
import { route } from './validation';

const INFO = { title: 'Test API', version: '1' };

function documentedRouter(): Router {
  const router = Router();
  router.get(
    '/',
    route(
      {
        query: z.object({ limit: z.coerce.number().int().optional() }),
        doc: { summary: 'List', response: z.object({ items: z.array(z.string()) }) },
      },
      () => ({ items: [] }),
    ),
  );
  router.post(
    '/:thingId/parts/:partId',
    route(
      {
        params: z.object({ thingId: z.string(), partId: z.string() }),
        body: z.strictObject({ name: z.string().min(1) }),
        doc: { summary: 'Add a part', status: 201, idempotent: true },
      },
      () => undefined,
    ),
  );
  router.get(
    '/catalog',
    route({ doc: { summary: 'Public catalog', public: true } }, () => ({})),
  );
  return router;
}

type Operation = {
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: { required?: string[]; additionalProperties?: unknown } }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
  summary: string;
  tags: string[];
};

describe('OpenAPI document from the routes', () => {
  const document = openApiDocument(INFO, [{ prefix: '/api/v1/things', router: documentedRouter(), tag: 'things' }]);
  const operation = (path: string, method: string) => (document.paths?.[path] as Record<string, Operation> | undefined)?.[method];

  it('when routes are mounted, then each becomes an operation at its full path, with express parameters in OpenAPI form', () => {
    expect(Object.keys(document.paths ?? {})).toEqual([
      '/api/v1/things',
      '/api/v1/things/{thingId}/parts/{partId}',
      '/api/v1/things/catalog',
    ]);
    expect(operation('/api/v1/things', 'get')).toMatchObject({ summary: 'List', tags: ['things'] });
    expect(operation('/api/v1/things', 'get')?.parameters).toEqual([expect.objectContaining({ in: 'query', name: 'limit' })]);
  });

  it('when a route validates params, a body and takes an Idempotency-Key, then the operation says so with the same constraints', () => {
    const post = operation('/api/v1/things/{thingId}/parts/{partId}', 'post');
    expect(post?.parameters?.map((parameter) => [parameter.in, parameter.name, parameter.required ?? false])).toEqual([
      ['path', 'thingId', true],
      ['path', 'partId', true],
      ['header', 'idempotency-key', false],
    ]);
    const body = post?.requestBody?.content['application/json']?.schema;
    expect(body).toMatchObject({ required: ['name'], additionalProperties: false });
    expect(Object.keys(post?.responses ?? {})).toEqual(['201', '4XX', '5XX']);
    expect(post?.responses['4XX']?.content).toHaveProperty('application/problem+json');
  });

  it('when a route is public, then it needs no credential while the others need the bearer key', () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(operation('/api/v1/things/catalog', 'get')?.security).toEqual([]);
    expect(operation('/api/v1/things', 'get')?.security).toBeUndefined();
  });

  it('when a route has no documentation, then building the document fails naming it', () => {
    const router = documentedRouter();
    router.delete(
      '/:thingId',
      route({ params: z.object({ thingId: z.string() }) }, () => undefined),
    );
    expect(() => openApiDocument(INFO, [{ prefix: '/api/v1/things', router, tag: 'things' }])).toThrow(
      'DELETE /api/v1/things/{thingId} has no documentation',
    );
    expect(operationsOf([{ prefix: '/x', router, tag: 'x' }]).map(({ method, path }) => `${method} ${path}`)).toContain(
      'delete /x/{thingId}',
    );
  });

  it('when the document is built, then every operation has an operationId from its method and path, and the document names its licence and the gateway', () => {
    expect(operation('/api/v1/things/{thingId}/parts/{partId}', 'post')).toMatchObject({ operationId: 'postThingsByThingIdPartsByPartId' });
    expect(operationIdOf('get', '/api/v1/monetization/compare-plans')).toBe('getMonetizationComparePlans');
    expect(document.info.license).toEqual({ name: 'Apache 2.0', identifier: 'Apache-2.0' });
    expect(document.servers?.[0]?.description).toMatch(/gateway/);
  });

  it('when an operation takes a JSON body, then it carries an example that its own schema accepts', () => {
    const media = (
      document.paths?.['/api/v1/things/{thingId}/parts/{partId}'] as Record<
        string,
        { requestBody: { content: Record<string, { schema: object; example: unknown }> } }
      >
    )['post']?.requestBody.content['application/json'];
    expect(media?.example).toEqual({ name: 'Acme Corp' });
    const validate = addFormats(new Ajv2020({ strict: false })).compile(media?.schema ?? {});
    expect(validate(media?.example)).toBe(true);
  });

  it('when a response is a record keyed by an enum, then each key is a documented property (its required keys are defined)', () => {
    const router = Router();
    router.get(
      '/matrix',
      route(
        { doc: { summary: 'Matrix', response: z.object({ values: z.record(z.enum(['basic', 'pro']), z.number()) }) } },
        () => undefined,
      ),
    );
    const matrix = openApiDocument(INFO, [{ prefix: '/m', router, tag: 'm' }]);
    const values = (
      matrix.paths?.['/m/matrix'] as Record<
        string,
        { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }
      >
    )['get']?.responses['200']?.content['application/json']?.schema.properties['values'];
    expect(values).toMatchObject({
      required: ['basic', 'pro'],
      properties: { basic: { type: 'number' }, pro: { type: 'number' } },
      additionalProperties: false,
    });
  });
});
