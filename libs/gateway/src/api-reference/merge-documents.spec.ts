import { mergeDocuments, type OpenApiDocument, type ServiceDocument } from './merge-documents';

const OPTIONS = {
  info: { title: 'All', version: '1', description: 'd', license: { name: 'Apache 2.0', identifier: 'Apache-2.0' } },
  servers: [{ url: '/' }],
};

function serviceDocument(service: string, prefix: string, overrides: Partial<OpenApiDocument> = {}): ServiceDocument {
  return {
    service,
    prefix,
    document: {
      openapi: '3.1.0',
      info: { title: service, version: '1' },
      security: [{ bearer: [] }],
      paths: {
        [`${prefix}/things`]: {
          get: {
            operationId: 'listThings',
            tags: [`${service} things`],
            responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
          },
        },
      },
      components: {
        schemas: { Thing: { type: 'object', title: service }, Problem: { type: 'object' } },
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      ...overrides,
    },
  };
}

type Operation = {
  operationId: string;
  tags: string[];
  security?: unknown;
  responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
};
const operation = (document: OpenApiDocument, path: string, method = 'get') => document.paths?.[path]?.[method] as Operation;

describe('mergeDocuments', () => {
  it('when two services serve documents, then the merged one has every path, the servers and licence given, and tags grouped per service', () => {
    const merged = mergeDocuments(
      [serviceDocument('tenants', '/api/v1/tenants'), serviceDocument('billing', '/api/v1/monetization')],
      OPTIONS,
    );
    expect(Object.keys(merged.paths ?? {})).toEqual(['/api/v1/tenants/things', '/api/v1/monetization/things']);
    expect(merged.servers).toEqual([{ url: '/' }]);
    expect(merged.info.license).toEqual({ name: 'Apache 2.0', identifier: 'Apache-2.0' });
    expect(merged['x-tagGroups']).toEqual([
      { name: 'tenants', tags: ['tenants things'] },
      { name: 'billing', tags: ['billing things'] },
    ]);
    expect(merged.tags?.map(({ name }) => name)).toEqual(['tenants things', 'billing things']);
  });

  it('when two services use the same operationId, then the second is prefixed by its service so ids stay unique', () => {
    const merged = mergeDocuments(
      [serviceDocument('tenants', '/api/v1/tenants'), serviceDocument('billing', '/api/v1/monetization')],
      OPTIONS,
    );
    expect(operation(merged, '/api/v1/tenants/things').operationId).toBe('listThings');
    expect(operation(merged, '/api/v1/monetization/things').operationId).toBe('billing_listThings');
  });

  it('when two services define a schema of the same name differently, then the second is renamed and its references follow; identical ones are shared', () => {
    const merged = mergeDocuments(
      [serviceDocument('tenants', '/api/v1/tenants'), serviceDocument('billing', '/api/v1/monetization')],
      OPTIONS,
    );
    expect(Object.keys(merged.components?.schemas ?? {}).sort()).toEqual(['Problem', 'Thing', 'billing_Thing']);
    expect(operation(merged, '/api/v1/monetization/things').responses['200']?.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/billing_Thing',
    );
    expect(operation(merged, '/api/v1/tenants/things').responses['200']?.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/Thing',
    );
  });

  it('when a service documents a path outside its own prefix, then it is left out (the gateway routes that path elsewhere)', () => {
    const billing = serviceDocument('billing', '/api/v1/monetization');
    billing.document.paths = { ...billing.document.paths, '/api/v1/tenants/stolen': { get: { responses: {} } } };
    const merged = mergeDocuments([serviceDocument('tenants', '/api/v1/tenants'), billing], OPTIONS);
    expect(Object.keys(merged.paths ?? {})).not.toContain('/api/v1/tenants/stolen');
  });

  it("when a service's document has no security of its own at the root, then its operations keep that (the merged root does not apply to them)", () => {
    const open = serviceDocument('status', '/api/v1/status', { security: [] });
    const merged = mergeDocuments([serviceDocument('tenants', '/api/v1/tenants'), open], OPTIONS);
    expect(merged.security).toEqual([{ bearer: [] }]);
    expect(operation(merged, '/api/v1/status/things').security).toEqual([]);
    expect(operation(merged, '/api/v1/tenants/things').security).toBeUndefined();
  });

  it("when the merge runs, then the services' documents are left as they were", () => {
    const billing = serviceDocument('billing', '/api/v1/monetization');
    const before = JSON.stringify(billing.document);
    mergeDocuments([serviceDocument('tenants', '/api/v1/tenants'), billing], OPTIONS);
    expect(JSON.stringify(billing.document)).toBe(before);
  });
});
