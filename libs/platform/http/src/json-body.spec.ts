import { request } from 'node:http';
import { serveApp, type ServedApp } from './test-support/harness';

/** Issue 9, finding 7: what a JSON parser lets through and the API must refuse, sent as raw bytes over HTTP. */
describe('JSON bodies', () => {
  let served: ServedApp;
  let handled = 0;

  beforeAll(async () => {
    served = await serveApp((app) => {
      app.post('/api/v1/things', (req, res) => {
        handled += 1;
        res.status(201).json({ received: req.body as unknown });
      });
    });
  });
  afterAll(() => served.close());

  /** POSTs exactly `body` (no re-encoding on the way) and reads the answer. */
  function post(body: Buffer | string, contentType = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return new Promise((resolve, reject) => {
      const outgoing = request(
        `${served.url}/api/v1/things`,
        { method: 'POST', headers: { 'content-type': contentType, 'content-length': bytes.length } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(bytes);
    });
  }
  const raw = (...parts: Array<string | number[]>): Buffer =>
    Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

  it.each([
    ['a stray continuation byte', raw('{"name":"a', [0xff], '"}')],
    ['an overlong encoding of "/"', raw('{"name":"', [0xc0, 0xaf], '"}')],
    ['a truncated three-byte sequence', raw('{"name":"', [0xe2, 0x82], '"}')],
    ['a UTF-8 encoded surrogate (CESU-8)', raw('{"name":"', [0xed, 0xa0, 0x80], '"}')],
    ['an invalid byte in a key', raw('{"na', [0xfe], 'me":"x"}')],
  ])('when the body holds %s, then it is a 400 invalid-encoding problem and the route never runs', async (_what, body) => {
    const before = handled;
    const answer = await post(body);
    expect(answer).toEqual({
      status: 400,
      body: expect.objectContaining({
        type: 'https://tenantry.dev/problems/invalid-encoding',
        status: 400,
        detail: 'The request body is not valid UTF-8.',
      }),
    });
    expect(handled).toBe(before);
  });

  it.each([
    [
      '__proto__ in metadata',
      '{"name":"acme","metadata":{"__proto__":{"isAdmin":true}}}',
      [{ field: 'metadata.__proto__', message: 'the key "__proto__" is not allowed' }],
    ],
    [
      'constructor at the top',
      '{"constructor":{"prototype":{"x":1}}}',
      [{ field: 'constructor', message: 'the key "constructor" is not allowed' }],
    ],
    [
      'prototype inside an array',
      '{"items":[{"ok":1},{"prototype":2}]}',
      [{ field: 'items.1.prototype', message: 'the key "prototype" is not allowed' }],
    ],
    ['an escaped NUL', '{"name":"acme\\u0000corp"}', [{ field: 'name', message: 'contains a control character (U+0000)' }]],
    [
      'an escaped ESC deep down',
      '{"a":{"b":["ok","\\u001b[31m"]}}',
      [{ field: 'a.b.1', message: 'contains a control character (U+001B)' }],
    ],
    ['a C1 control', '{"name":"\\u0085"}', [{ field: 'name', message: 'contains a control character (U+0085)' }]],
    ['a lone surrogate', '{"name":"\\ud800x"}', [{ field: 'name', message: 'contains an unpaired UTF-16 surrogate' }]],
    [
      'a control character in a key',
      '{"na\\u0007me":"x"}',
      [{ field: '"na\\u0007me"', message: 'the key contains a control character (U+0007)' }],
    ],
    [
      'several at once',
      '{"__proto__":1,"b":"\\u0000"}',
      [
        { field: '__proto__', message: 'the key "__proto__" is not allowed' },
        { field: 'b', message: 'contains a control character (U+0000)' },
      ],
    ],
  ])('when the body holds %s, then it is a 400 validation problem naming where', async (_what, body, errors) => {
    const before = handled;
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: 'https://tenantry.dev/problems/validation-failed', errors });
    expect(answer.body['detail']).toBe(`Request validation failed for: ${errors.map((error) => error.field).join(', ')}.`);
    expect(handled).toBe(before);
  });

  it('when a raw NUL byte is inside a JSON string, then it is malformed JSON', async () => {
    expect(await post(raw('{"name":"a', [0x00], 'b"}'))).toMatchObject({
      status: 400,
      body: { type: 'https://tenantry.dev/problems/malformed-json' },
    });
  });

  it('when the text is valid (accents, emoji, tab and newline, a key named "proto"), then it arrives intact', async () => {
    const body = { name: 'Žiga 😀 Ljubljana', notes: 'line 1\n\tline 2\r\n', metadata: { proto: 'fine', constructorName: 'ok' } };
    expect(await post(JSON.stringify(body))).toEqual({ status: 201, body: { received: body } });
  });

  it('when a body is nested very deeply, then it is checked without overflowing the stack', async () => {
    const depth = 50_000;
    const answer = await post(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    expect(answer.status).toBe(400);
    expect(answer.body['type']).toBe('https://tenantry.dev/problems/validation-failed');
  });
});
