import { ConflictError } from '@tenantry/contracts';
import { z } from 'zod';
import { requireSignedIdentity, signIdentity, type Identity } from '../identity';
import { serveApp, type ServedApp } from '../test-support/harness';
import { route } from '../validation';
import { idempotency } from './idempotent';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store';
import type { ClaimResult, IdempotencyClaim, IdempotencyStore } from './idempotency-store';

const secret = 'i'.repeat(40);
const admin: Identity = { role: 'admin' };
const tenantA: Identity = { role: 'tenant', tenantId: 'ten_a', keyId: 'key_a', scopes: [] };
const tenantB: Identity = { role: 'tenant', tenantId: 'ten_b', keyId: 'key_b', scopes: [] };

/** Records what the store holds, so tests can look at the raw records. */
class SpyStore implements IdempotencyStore {
  readonly inner = new InMemoryIdempotencyStore();
  readonly sealed: string[] = [];
  readonly claims: IdempotencyClaim[] = [];
  claim(claim: IdempotencyClaim, now: Date): Promise<ClaimResult> {
    this.claims.push(claim);
    return this.inner.claim(claim, now);
  }
  complete(claim: { id: string; tenantId: string; token: string }, sealedResponse: string, expiresAt: Date): Promise<boolean> {
    this.sealed.push(sealedResponse);
    return this.inner.complete(claim, sealedResponse, expiresAt);
  }
  release(claim: { id: string; tenantId: string; token: string }): Promise<void> {
    return this.inner.release(claim);
  }
  pruneExpired(now: Date): Promise<number> {
    return this.inner.pruneExpired(now);
  }
}

describe('Idempotency-Key on a route', () => {
  let served: ServedApp;
  let store: SpyStore;
  let created = 0;
  let nextOutcome: 'ok' | 'conflict' | 'crash' = 'ok';
  let gate: Promise<void> | undefined;

  beforeAll(async () => {
    store = new SpyStore();
    const idempotent = idempotency({ store, secret });
    served = await serveApp((app) => {
      app.use('/api', requireSignedIdentity(secret, { audience: 'things' }));
      app.post(
        '/api/things',
        route(
          { body: z.object({ name: z.string().min(1) }).strict() },
          idempotent(async ({ body }, _req, res) => {
            await gate;
            if (nextOutcome === 'conflict') throw new ConflictError('That name is taken.', { name: body.name });
            if (nextOutcome === 'crash') throw new Error('database fell over');
            created += 1;
            res.status(201).location(`/api/things/${created}`);
            return { id: created, name: body.name, secret: `tnt_secret_${created}` };
          }),
        ),
      );
    });
  });
  afterAll(() => served.close());
  beforeEach(() => {
    nextOutcome = 'ok';
    gate = undefined;
  });

  const post = (body: unknown, headers: Record<string, string> = {}, identity: Identity = admin) => {
    const json = JSON.stringify(body);
    return fetch(`${served.url}/api/things`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signIdentity(identity, { method: 'POST', url: '/api/things', audience: 'things', bodyLength: Buffer.byteLength(json) }, secret),
        ...headers,
      },
      body: json,
    });
  };

  it('when a request is retried with the same key and body, then the first response is replayed and the work is done once', async () => {
    const before = created;
    const first = await post({ name: 'a' }, { 'idempotency-key': 'key-replay' });
    const second = await post({ name: 'a' }, { 'idempotency-key': 'key-replay' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(created).toBe(before + 1);
  });

  it('when the retry has the same body with keys in another order, then it is still a replay', async () => {
    const first = await post({ name: 'order' }, { 'idempotency-key': 'key-order' });
    const second = await fetch(`${served.url}/api/things`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': 'key-order',
        ...signIdentity(
          admin,
          { method: 'POST', url: '/api/things', audience: 'things', bodyLength: Buffer.byteLength('{ "name" : "order" }') },
          secret,
        ),
      },
      body: '{ "name" : "order" }',
    });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
  });

  it('when the same key comes with a different body, then 422 and nothing runs', async () => {
    await post({ name: 'one' }, { 'idempotency-key': 'key-body' });
    const before = created;
    const response = await post({ name: 'two' }, { 'idempotency-key': 'key-body' });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 422, detail: expect.stringContaining('different request body') });
    expect(created).toBe(before);
  });

  it('when a second request arrives while the first is still running, then it gets 409 in progress', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const claimsBefore = store.claims.length;
    const first = post({ name: 'slow' }, { 'idempotency-key': 'key-slow' });
    await waitFor(() => store.claims.length > claimsBefore);
    const second = await post({ name: 'slow' }, { 'idempotency-key': 'key-slow' });
    open();
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ detail: expect.stringContaining('still in progress') });
    expect((await first).status).toBe(201);
  });

  it('when the handler fails with a 5xx, then the key is released and a retry runs', async () => {
    nextOutcome = 'crash';
    const before = created;
    const failed = await post({ name: 'retry' }, { 'idempotency-key': 'key-5xx' });
    expect(failed.status).toBe(500);
    nextOutcome = 'ok';
    const retried = await post({ name: 'retry' }, { 'idempotency-key': 'key-5xx' });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(created).toBe(before + 1);
  });

  it('when the handler answers a 4xx problem, then the same problem is replayed', async () => {
    nextOutcome = 'conflict';
    const first = await post({ name: 'taken' }, { 'idempotency-key': 'key-4xx' });
    nextOutcome = 'ok';
    const second = await post({ name: 'taken' }, { 'idempotency-key': 'key-4xx' });
    expect(first.status).toBe(409);
    expect(second.status).toBe(409);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toContain('application/problem+json');
    const [a, b] = [(await first.json()) as { type: string; detail: string }, await second.json()];
    expect(b).toMatchObject({ type: a.type, detail: a.detail, name: 'taken' });
  });

  it('when two callers use the same key, then each has its own key space', async () => {
    const a = await post({ name: 'shared' }, { 'idempotency-key': 'key-shared' }, tenantA);
    const b = await post({ name: 'shared' }, { 'idempotency-key': 'key-shared' }, tenantB);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(((await b.json()) as { id: number }).id).not.toBe(((await a.json()) as { id: number }).id);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
  ])('when the key is %s, then 400 naming the header and nothing runs', async (_name, key) => {
    const before = created;
    const response = await post({ name: 'bad-key' }, { 'idempotency-key': key });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: 'headers.idempotency-key' }] });
    expect(created).toBe(before);
  });

  it('when no key is sent, then every request runs', async () => {
    const before = created;
    await post({ name: 'plain' });
    await post({ name: 'plain' });
    expect(created).toBe(before + 2);
  });

  it('when a response with a secret is kept, then the stored record holds neither the secret, the body nor the key', async () => {
    const response = await post({ name: 'sealed-name' }, { 'idempotency-key': 'key-sealed-123' });
    const { secret: shownOnce } = (await response.json()) as { secret: string };
    const sealed = store.sealed.at(-1) ?? '';
    const claim = store.claims.at(-1);
    const everything = JSON.stringify({ sealed, claim });
    expect(everything).not.toContain(shownOnce);
    expect(everything).not.toContain('sealed-name');
    expect(everything).not.toContain('key-sealed-123');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
