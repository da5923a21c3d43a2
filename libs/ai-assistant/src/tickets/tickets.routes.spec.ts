import { ADMIN, API, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import type { TaskView } from '../tasks/task-view';
import type { TicketView } from './tickets.routes';

describe('support tickets API (in-memory platform)', () => {
  let harness: AssistantHarness;
  beforeAll(async () => {
    harness = await startAssistantHarness();
  });
  afterAll(() => harness.close());

  const acme = tenantKey('ten_acme');
  const other = tenantKey('ten_other');

  const triage = async (identity = acme, parameters: Record<string, unknown>) => {
    const created = await harness.call(identity, 'POST', `${API}/tasks`, { body: { action: 'automate_support', parameters } });
    expect(created.status).toBe(201);
    return harness.waitForTask(identity, (created.body as TaskView).id);
  };

  it('when a tenant triages a ticket, then its task succeeds and the ticket is listed and readable by the tenant alone', async () => {
    const task = await triage(acme, {
      subject: 'Refund for a double charge',
      text: 'We were charged twice this month for the Pro plan. Please refund the duplicate payment.',
      contact: { name: 'Ana', email: 'ana@acme.example' },
    });
    expect(task).toMatchObject({ status: 'succeeded', result: { category: 'billing', language: 'en' } });
    const ticketId = (task.result as { inputs: { ticket_id: string } }).inputs.ticket_id;

    const list = await harness.call(acme, 'GET', `${API}/tickets?limit=10`);
    expect(list.status).toBe(200);
    const items = (list.body as { items: TicketView[]; next_cursor: string | null }).items;
    expect(items).toEqual([
      expect.objectContaining({
        id: ticketId,
        tenant_id: 'ten_acme',
        task_id: task.id,
        subject: 'Refund for a double charge',
        contact: { name: 'Ana', email: 'ana@acme.example' },
        category: 'billing',
        language: 'en',
        reply_draft: expect.stringContaining('Hello Ana,'),
      }),
    ]);
    const one = await harness.call(acme, 'GET', `${API}/tickets/${ticketId}`);
    expect(one).toMatchObject({ status: 200, body: { id: ticketId, category_scores: expect.any(Array), priority: expect.any(String) } });

    expect((await harness.call(other, 'GET', `${API}/tickets`)).body).toEqual({ items: [], next_cursor: null });
    const foreign = await harness.call(other, 'GET', `${API}/tickets/${ticketId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    expect((await harness.call(other, 'GET', `${API}/tickets?tenant_id=ten_acme`)).status).toBe(403);

    const asAdmin = await harness.call(ADMIN, 'GET', `${API}/tickets?tenant_id=ten_acme`);
    expect((asAdmin.body as { items: TicketView[] }).items.map((t) => t.id)).toEqual([ticketId]);
    const adminWithoutTenant = await harness.call(ADMIN, 'GET', `${API}/tickets`);
    expect(adminWithoutTenant).toMatchObject({ status: 400, body: { errors: [expect.objectContaining({ field: 'query.tenant_id' })] } });
  });

  it('when tickets are listed, then the newest comes first and pages follow the cursor', async () => {
    await triage(other, { subject: 'First', text: 'How do I rotate an API key?' });
    await triage(other, { subject: 'Second', text: 'We get 429 Too Many Requests on every call.' });
    const first = await harness.call(other, 'GET', `${API}/tickets?limit=1`);
    const page = first.body as { items: TicketView[]; next_cursor: string | null };
    expect(page.items.map((t) => t.subject)).toEqual(['Second']);
    const second = await harness.call(other, 'GET', `${API}/tickets?limit=1&cursor=${encodeURIComponent(page.next_cursor ?? '')}`);
    expect((second.body as { items: TicketView[] }).items.map((t) => t.subject)).toEqual(['First']);
  });

  it('when the ticket parameters are bad, then the 400 names parameters.<field> and no ticket is recorded', async () => {
    const lone = tenantKey('ten_lone');
    const reply = await harness.call(lone, 'POST', `${API}/tasks`, {
      body: { action: 'automate_support', parameters: { text: 'no subject' } },
    });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.subject' })] });
    const email = await harness.call(lone, 'POST', `${API}/tasks`, {
      body: { action: 'automate_support', parameters: { subject: 's', text: 't', contact: { email: 'nope' } } },
    });
    expect(email.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.contact.email' })] });
    expect((await harness.call(lone, 'GET', `${API}/tickets`)).body).toEqual({ items: [], next_cursor: null });
  });

  it('when the capabilities are read, then automate_support is listed with its parameter schema, the plan it needs and what it reads', async () => {
    const reply = await harness.call(acme, 'GET', `${API}/capabilities`);
    const action = (reply.body as { actions: Array<Record<string, unknown>> }).actions.find((a) => a['action'] === 'automate_support');
    expect(action).toMatchObject({
      required_feature: 'ai_assistant',
      required_plan: 'pro',
      reads: expect.arrayContaining(['your support tickets']),
      parameters_schema: {
        type: 'object',
        required: ['subject', 'text'],
        properties: expect.objectContaining({ contact: expect.any(Object) }),
      },
    });
  });

  it('when the OpenAPI document is read, then it describes the ticket routes with snake_case fields', async () => {
    const reply = await harness.call(null, 'GET', `${API}/openapi.json`);
    const doc = reply.body as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([`${API}/tickets`, `${API}/tickets/{id}`]));
    expect(Object.keys(doc.components.schemas['AssistantSupportTicket']?.properties ?? {})).toEqual(
      expect.arrayContaining(['tenant_id', 'task_id', 'category_scores', 'sentiment_score', 'reply_draft', 'triaged_at']),
    );
  });
});
