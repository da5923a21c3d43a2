import { OpenApiConformance } from './openapi-conformance';

const PROBLEM = {
  type: 'object',
  properties: { type: { type: 'string' }, status: { type: 'integer' } },
  required: ['type', 'status'],
  additionalProperties: false,
};
const contract = new OpenApiConformance({
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
              },
            },
          },
          '4XX': { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        },
      },
    },
    '/things/special': { get: { responses: { '204': {} } } },
  },
  components: { schemas: { Problem: PROBLEM } },
});

describe('OpenApiConformance', () => {
  it("when an answer matches its operation's schema, then it conforms", () => {
    expect(contract.problemsOf('GET', '/things/1?x=1', 200, 'application/json; charset=utf-8', { id: '1' })).toEqual([]);
    expect(contract.problemsOf('GET', '/things/1', 404, 'application/problem+json', { type: 't', status: 404 })).toEqual([]);
  });

  it('when an answer has an undocumented member, a wrong type, status or media type, then each is reported', () => {
    expect(contract.problemsOf('GET', '/things/1', 200, 'application/json', { id: '1', extra: true })).toHaveLength(1);
    expect(contract.problemsOf('GET', '/things/1', 404, 'application/problem+json', { type: 't', status: 404, from: 'a' })).toHaveLength(1);
    expect(contract.problemsOf('GET', '/things/1', 200, 'application/json', { id: 1 })).toHaveLength(1);
    expect(contract.problemsOf('GET', '/things/1', 500, 'application/problem+json', { type: 't', status: 500 })[0]).toContain(
      'documents no 500 answer',
    );
    expect(contract.problemsOf('GET', '/things/1', 200, 'text/html', '<p>')[0]).toContain('documents no text/html body');
  });

  it("when a literal path and a template both match, then the literal one's operation is used", () => {
    expect(contract.problemsOf('GET', '/things/special', 204, null, '')).toEqual([]);
  });

  it('when a path is not in the document, then only a problem conforming to the Problem schema is accepted', () => {
    expect(contract.problemsOf('GET', '/elsewhere', 404, 'application/problem+json', { type: 't', status: 404 })).toEqual([]);
    expect(contract.problemsOf('GET', '/elsewhere', 200, 'application/json', {})[0]).toContain('is not in the document');
  });
});
