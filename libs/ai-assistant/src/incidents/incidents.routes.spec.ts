import type { TenantryEvent } from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import { alertFired, alertResolved, type AlertSpec } from '../test-support/alert-events';
import { ADMIN, API, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import type { TaskView } from '../tasks/task-view';
import type { Incident } from './correlate';

const at = (time: string) => `2026-11-30T${time}:00.000Z`;
const availability = (tenantId: string | null): AlertSpec => ({
  slo: tenantId ? 'tenant-availability' : 'billing-availability',
  service: tenantId ? 'gateway' : 'billing',
  tenantId,
  severity: 'page',
});

interface IncidentPage {
  items: Incident[];
  next_cursor: string | null;
}

/** The service on the in-memory platform, its clock moved by the test; alert events published as observability would. */
describe('GET /incidents and /incidents/{id}', () => {
  let now = new Date(at('10:10'));
  let assistant: AssistantHarness;
  const one = tenantKey('ten_one');
  const two = tenantKey('ten_two');

  beforeAll(async () => {
    assistant = await startAssistantHarness({ clock: () => new Date(now.getTime()) });
    const history = [
      // ten_one: an incident 09:00–09:10, then one open since 10:00.
      alertFired(availability('ten_one'), at('09:00')),
      alertResolved(availability('ten_one'), at('09:00'), at('09:10')),
      alertFired(availability('ten_one'), at('10:00')),
      // ten_two: one open since 10:05; billing: service-wide, since 09:30.
      alertFired(availability('ten_two'), at('10:05')),
      alertFired(availability(null), at('09:30')),
    ];
    await assistant.platform.bus.publish(history as unknown as TenantryEvent[]);
    await eventually(async () => (await list(ADMIN, '')).items.length === 4, { description: 'the four incidents' });
  });
  afterAll(() => assistant?.close());

  const get = (identity: typeof one | typeof ADMIN, path: string) => assistant.call(identity, 'GET', `${API}${path}`);
  const list = async (identity: typeof one | typeof ADMIN, query: string): Promise<IncidentPage> => {
    const reply = await get(identity, `/incidents${query}`);
    expect(reply.status).toBe(200);
    return reply.body as IncidentPage;
  };
  const rows = (page: IncidentPage) => page.items.map((i) => [i.tenant_id, i.status, i.opened_at]);

  it('when a tenant lists its incidents, then it sees only its own, newest first, filtered by status', async () => {
    now = new Date(at('10:10'));
    expect(rows(await list(one, ''))).toEqual([
      ['ten_one', 'open', at('10:00')],
      ['ten_one', 'resolved', at('09:00')],
    ]);
    expect(rows(await list(one, '?status=resolved'))).toEqual([['ten_one', 'resolved', at('09:00')]]);
    expect(rows(await list(two, ''))).toEqual([['ten_two', 'open', at('10:05')]]);
  });

  it('when the clock passes 30 minutes after an opening, then the incident is escalated with escalated_at', async () => {
    now = new Date(at('10:30'));
    // billing's (09:30) escalated at 10:00; ten_one's 10:00 incident exactly at 10:30; ten_two's (10:05) not yet.
    expect((await list(ADMIN, '?status=escalated')).items.map((i) => [i.tenant_id, i.escalated_at])).toEqual([
      ['ten_one', at('10:30')],
      [null, at('10:00')],
    ]);
    expect((await list(two, '')).items.map((i) => [i.status, i.escalate_at, i.escalated_at])).toEqual([['open', at('10:35'), null]]);
  });

  it('when the admin lists, then it sees every tenant’s and the service-wide incidents, or one owner’s by tenant_id, a page at a time', async () => {
    now = new Date(at('10:10'));
    const first = await list(ADMIN, '?limit=2');
    expect(rows(first)).toEqual([
      ['ten_two', 'open', at('10:05')],
      ['ten_one', 'open', at('10:00')],
    ]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await list(ADMIN, `?limit=2&cursor=${first.next_cursor}`);
    // billing's, open since 09:30, escalated at 10:00.
    expect(rows(second)).toEqual([
      [null, 'escalated', at('09:30')],
      ['ten_one', 'resolved', at('09:00')],
    ]);
    expect(second.next_cursor).toBeNull();
    expect(rows(await list(ADMIN, '?tenant_id=ten_two'))).toEqual([['ten_two', 'open', at('10:05')]]);
    expect(rows(await list(ADMIN, '?tenant_id=_platform'))).toEqual([[null, 'escalated', at('09:30')]]);
  });

  it('when an incident is read by id, then its owner and the admin see it, another tenant gets a 404', async () => {
    now = new Date(at('10:10'));
    const [open] = (await list(one, '?status=open')).items;
    const mine = await get(one, `/incidents/${open?.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(open);
    expect((await get(ADMIN, `/incidents/${open?.id}`)).body).toEqual(open);
    expect((await get(ADMIN, `/incidents/${open?.id}?tenant_id=ten_one`)).status).toBe(200);
    const theirs = await get(two, `/incidents/${open?.id}`);
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toContain('application/problem+json');
  });

  it('when the query is wrong, then a 4xx problem names the field', async () => {
    const status = await get(one, '/incidents?status=burning');
    expect(status.status).toBe(400);
    expect(JSON.stringify(status.body)).toContain('query.status');
    const cursor = await get(one, '/incidents?cursor=nonsense');
    expect(cursor.status).toBe(400);
    expect(JSON.stringify(cursor.body)).toContain('query.cursor');
    expect((await get(one, '/incidents?tenant_id=ten_two')).status).toBe(403);
  });

  it('when the tenant runs monitor_alerts, then its result holds the same incidents', async () => {
    now = new Date(at('10:10'));
    const created = await assistant.call(one, 'POST', `${API}/tasks`, { body: { action: 'monitor_alerts' } });
    expect(created.status).toBe(201);
    const task = await assistant.waitForTask(one, (created.body as TaskView).id);
    expect(task.status).toBe('succeeded');
    expect((task.result as { incidents: Incident[] }).incidents).toEqual((await list(one, '')).items);
  });
});
