import { ADMIN, startObservabilityHarness, tenantKey, type ObservabilityHarness } from '../test-support/observability-harness';

const PATH = '/api/v1/observability/maintenance-windows';
const WEEKLY = { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=WEEKLY;BYDAY=SU', timezone: 'Europe/Ljubljana', duration_minutes: 120 };

describe('maintenance windows API (embedded)', () => {
  let harness: ObservabilityHarness;
  beforeEach(async () => {
    harness = await startObservabilityHarness();
  });
  afterEach(() => harness.close());

  const fieldsOf = (body: { errors?: { field: string }[] }): string[] => (body.errors ?? []).map((issue) => issue.field).sort();

  it('when the admin creates one-off and recurring windows, then they are listed, filtered and deleted', async () => {
    const oneOff = await harness.call(ADMIN, 'POST', PATH, {
      scope: 'tenant',
      tenant_id: 'ten_a',
      starts_at: '2026-11-10T11:00:00+01:00',
      ends_at: '2026-11-10T12:00:00+01:00',
      reason: 'Migration of ten_a',
    });
    expect(oneOff.status).toBe(201);
    expect(oneOff.body).toEqual({
      id: expect.stringMatching(/^mw_/),
      scope: 'tenant',
      tenant_id: 'ten_a',
      service: null,
      starts_at: '2026-11-10T10:00:00.000Z',
      ends_at: '2026-11-10T11:00:00.000Z',
      rule: null,
      reason: 'Migration of ten_a',
      created_at: expect.any(String),
    });
    const weekly = await harness.call(ADMIN, 'POST', PATH, { scope: 'service', service: 'api-gateway', rule: WEEKLY, reason: 'Weekly' });
    expect(weekly.status).toBe(201);
    expect(weekly.body).toMatchObject({ scope: 'service', service: 'gateway', rule: WEEKLY, starts_at: null });

    const all = await harness.call(ADMIN, 'GET', PATH);
    expect(all.status).toBe(200);
    expect(all.body.items.map((item: { id: string }) => item.id)).toEqual([oneOff.body.id, weekly.body.id]);
    expect(all.body.next_cursor).toBeNull();

    const first = await harness.call(ADMIN, 'GET', `${PATH}?limit=1`);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([oneOff.body.id]);
    const second = await harness.call(ADMIN, 'GET', `${PATH}?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([weekly.body.id]);

    const ids = async (query: string): Promise<string[]> =>
      (await harness.call(ADMIN, 'GET', `${PATH}?${query}`)).body.items.map((item: { id: string }) => item.id);
    expect(await ids('scope=service')).toEqual([weekly.body.id]);
    expect(await ids('tenant_id=ten_a')).toEqual([oneOff.body.id]);
    expect(await ids('service=gateway')).toEqual([weekly.body.id]);
    // 10:30 UTC on a Tuesday: the one-off; 01:30 UTC on Sunday 8 November = 02:30 CET: the weekly one.
    expect(await ids('active_at=2026-11-10T10:30:00Z')).toEqual([oneOff.body.id]);
    expect(await ids('active_at=2026-11-08T01:30:00Z')).toEqual([weekly.body.id]);
    expect(await ids('active_at=2026-11-08T03:00:00Z')).toEqual([]);

    expect((await harness.call(ADMIN, 'DELETE', `${PATH}/${oneOff.body.id}`)).status).toBe(204);
    expect(await ids('limit=10')).toEqual([weekly.body.id]);
    expect((await harness.call(ADMIN, 'DELETE', `${PATH}/${oneOff.body.id}`)).status).toBe(404);
  });

  it.each([
    {
      case: 'end before start',
      body: { scope: 'platform', starts_at: '2026-11-10T12:00:00Z', ends_at: '2026-11-10T11:00:00Z', reason: 'x' },
      fields: ['ends_at'],
    },
    { case: 'start without end', body: { scope: 'platform', starts_at: '2026-11-10T12:00:00Z', reason: 'x' }, fields: ['ends_at'] },
    { case: 'neither one-off nor rule', body: { scope: 'platform', reason: 'x' }, fields: ['starts_at'] },
    {
      case: 'both one-off and rule',
      body: { scope: 'platform', starts_at: '2026-11-10T11:00:00Z', ends_at: '2026-11-10T12:00:00Z', rule: WEEKLY, reason: 'x' },
      fields: ['rule'],
    },
    {
      case: 'unknown time zone',
      body: { scope: 'platform', rule: { ...WEEKLY, timezone: 'Europe/Atlantis' }, reason: 'x' },
      fields: ['rule.timezone'],
    },
    {
      case: 'unparsable rule',
      body: { scope: 'platform', rule: { ...WEEKLY, rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=OFTEN' }, reason: 'x' },
      fields: ['rule.rrule'],
    },
    {
      case: 'rule without DTSTART',
      body: { scope: 'platform', rule: { ...WEEKLY, rrule: 'FREQ=WEEKLY' }, reason: 'x' },
      fields: ['rule.rrule'],
    },
    {
      case: 'zero duration',
      body: { scope: 'platform', rule: { ...WEEKLY, duration_minutes: 0 }, reason: 'x' },
      fields: ['rule.duration_minutes'],
    },
    { case: 'tenant scope without tenant_id', body: { scope: 'tenant', rule: WEEKLY, reason: 'x' }, fields: ['tenant_id'] },
    { case: 'service scope without service', body: { scope: 'service', rule: WEEKLY, reason: 'x' }, fields: ['service'] },
    { case: 'unknown service', body: { scope: 'service', service: 'nope', rule: WEEKLY, reason: 'x' }, fields: ['service'] },
    {
      case: 'tenant_id on a platform window',
      body: { scope: 'platform', tenant_id: 'ten_a', rule: WEEKLY, reason: 'x' },
      fields: ['tenant_id'],
    },
    { case: 'no reason', body: { scope: 'platform', rule: WEEKLY }, fields: ['reason'] },
    { case: 'unknown scope', body: { scope: 'galaxy', rule: WEEKLY, reason: 'x' }, fields: ['scope'] },
    { case: 'camelCase field', body: { scope: 'platform', rule: WEEKLY, reason: 'x', tenantId: 'ten_a' }, fields: ['tenantId'] },
    {
      case: 'several problems at once',
      body: { scope: 'tenant', starts_at: '2026-11-10T12:00:00Z', ends_at: '2026-11-10T12:00:00Z', reason: 'x' },
      fields: ['ends_at', 'tenant_id'],
    },
  ])('when the body has $case, then 400 names $fields and nothing is stored', async ({ body, fields }) => {
    const answer = await harness.call(ADMIN, 'POST', PATH, body);
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer.body)).toEqual(fields);
    expect((await harness.call(ADMIN, 'GET', PATH)).body.items).toEqual([]);
  });

  it('when a list query is invalid, then 400 names the parameter', async () => {
    expect(fieldsOf((await harness.call(ADMIN, 'GET', `${PATH}?active_at=yesterday`)).body)).toEqual(['query.active_at']);
    expect(fieldsOf((await harness.call(ADMIN, 'GET', `${PATH}?scope=galaxy`)).body)).toEqual(['query.scope']);
    expect(fieldsOf((await harness.call(ADMIN, 'GET', `${PATH}?cursor=garbage`)).body)).toEqual(['query.cursor']);
  });

  it('when a tenant key calls, then every operation is 403 and nothing changes', async () => {
    const created = await harness.call(ADMIN, 'POST', PATH, { scope: 'tenant', tenant_id: 'ten_a', rule: WEEKLY, reason: 'x' });
    const tenant = tenantKey('ten_a', 'pro');
    expect((await harness.call(tenant, 'POST', PATH, { scope: 'tenant', tenant_id: 'ten_a', rule: WEEKLY, reason: 'x' })).status).toBe(403);
    expect((await harness.call(tenant, 'POST', PATH, { nonsense: true })).status).toBe(403);
    expect((await harness.call(tenant, 'GET', PATH)).status).toBe(403);
    expect((await harness.call(tenant, 'DELETE', `${PATH}/${created.body.id}`)).status).toBe(403);
    expect((await harness.call(null, 'GET', PATH)).status).toBe(401);
    expect((await harness.call(ADMIN, 'GET', PATH)).body.items).toHaveLength(1);
  });

  it('when the OpenAPI document is read, then the three operations are documented', async () => {
    const document = (await harness.call(null, 'GET', '/api/v1/observability/openapi.json')).body;
    expect(Object.keys(document.paths[PATH] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths[`${PATH}/{id}`] ?? {})).toEqual(['delete']);
  });
});
