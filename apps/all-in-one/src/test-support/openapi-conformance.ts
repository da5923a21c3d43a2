import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Media = { schema?: object };
type Responses = Record<string, { content?: Record<string, Media> }>;
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Responses }>>;
  components?: { schemas?: Record<string, object> };
}

/**
 * Checks answers against an OpenAPI 3.1 document with a JSON Schema 2020-12 validator: the operation is
 * found by method and path template, the response by status (`404`, else `4XX`, else `default`) and
 * media type. Answers on paths the document does not describe (a gateway 404, a service that serves no
 * document yet) must be problems: they are checked against the document's `Problem` schema.
 */
export class OpenApiConformance {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ path: string; pattern: RegExp; params: number }>;

  constructor(private readonly document: OpenApiDocument) {
    this.templates = Object.keys(document.paths)
      .map((path) => ({
        path,
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (path.match(/\{/g) ?? []).length,
      }))
      // A literal path wins over a template that also matches it.
      .sort((a, b) => a.params - b.params);
  }

  /** What is wrong with this answer (empty when it conforms). */
  problemsOf(method: string, url: string, status: number, contentType: string | null, body: unknown): string[] {
    const path = new URL(url, 'http://x').pathname;
    const template = this.templates.find(({ pattern }) => pattern.test(path));
    const operation = template ? this.document.paths[template.path]?.[method.toLowerCase()] : undefined;
    const mediaType = (contentType ?? '').split(';')[0]?.trim() ?? '';
    if (!operation) {
      if (mediaType !== 'application/problem+json')
        return [`${method} ${path} is not in the document, and its ${status} answer is not a problem`];
      return this.validate('#/components/schemas/Problem', { $ref: '#/components/schemas/Problem' }, body);
    }
    const responses = operation.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((candidate) => responses[candidate]);
    if (!key) return [`${method} ${template?.path} documents no ${status} answer`];
    const content = responses[key]?.content;
    if (!content) return body === undefined || body === '' ? [] : [`${method} ${template?.path} ${key} documents no body, but one came`];
    const media = content[mediaType];
    if (!media?.schema)
      return [`${method} ${template?.path} ${key} documents no ${mediaType || 'untyped'} body (only ${Object.keys(content).join(', ')})`];
    return this.validate(`${method} ${template?.path} ${key} ${mediaType}`, media.schema, body);
  }

  private validate(key: string, schema: object, body: unknown): string[] {
    let validate = this.validators.get(key);
    if (!validate) {
      // `#/components/...` references resolve against this root, which carries the document's components.
      validate = this.ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.validators.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${key}: ${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
    );
  }
}
