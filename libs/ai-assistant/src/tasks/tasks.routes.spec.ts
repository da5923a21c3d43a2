import { eventually } from '@tenantry/testing';
import { ADMIN, API, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import { subscriptionCreated, usageBatch } from '../test-support/usage-events';
import type { TaskView } from './task-view';

const today = () => new Date().toISOString().slice(0, 10);

describe('tasks API (in-memory platform)', () => {
  let harness: AssistantHarness;
  beforeAll(async () => {
    harness = await startAssistantHarness();
  });
  afterAll(() => harness.close());

  const acme = tenantKey('ten_acme');
  const other = tenantKey('ten_other');

  it('when a task is created with parameters its action refuses, then the 400 names the parameter and no task exists', async () => {
    const reply = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'analyze_usage', parameters: { lookback_days: 0 } } });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.lookback_days' })] });
    const list = await harness.call(acme, 'GET', `${API}/tasks`);
    expect((list.body as { items: unknown[] }).items).toEqual([]);
  });

  it('when the action is unknown, then the 400 names `action` with the actions there are', async () => {
    const reply = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'make_coffee' } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errors: [{ field: 'action', message: expect.stringContaining('analyze_usage') }] });
  });

  it('when a tenant creates an analyze_usage task, then it runs to succeeded with progress 100 and the figures of its usage', async () => {
    await harness.publish('subscription.created', 'ten_acme', subscriptionCreated('ten_acme', 'pro'));
    await harness.publish('metric.recorded', 'ten_acme', usageBatch('ten_acme', today(), 120));
    const created = await harness.call(acme, 'POST', `${API}/tasks`, {
      body: { action: 'analyze_usage', parameters: { lookback_days: 7 } },
    });
    expect(created.status).toBe(201);
    const id = (created.body as TaskView).id;
    expect(created.headers.get('location')).toBe(`${API}/tasks/${id}`);
    const task = await harness.waitForTask(acme, id);
    expect(task).toMatchObject({ status: 'succeeded', progress: 100, tenant_id: 'ten_acme', cached: false });
    expect(task.result).toMatchObject({
      figures: { total_requests: 120 },
      quota_pressure: { daily_quota: 10_000 },
      inputs: { plan_id: 'pro', lookback_days: 7 },
    });
  });

  it('when the same action runs again on the same data, then it answers from the cache; after new usage, it computes again', async () => {
    const run = async () => {
      const created = await harness.call(acme, 'POST', `${API}/tasks`, {
        body: { action: 'analyze_usage', parameters: { lookback_days: 7 } },
      });
      return harness.waitForTask(acme, (created.body as TaskView).id);
    };
    // The previous test's result may or may not be in the cache yet depending on order: run once to be sure.
    const first = await run();
    const second = await run();
    expect(second).toMatchObject({ status: 'succeeded', cached: true, data_version: first.data_version });
    expect(second.result).toEqual(first.result);
    await harness.publish('metric.recorded', 'ten_acme', usageBatch('ten_acme', today(), 5));
    const third = await eventually(async () => {
      const task = await run();
      return task.cached === false ? task : false;
    });
    expect(third.data_version).not.toBe(first.data_version);
  });

  it("when another tenant asks for a tenant's task, then it is not found; naming the other tenant is forbidden", async () => {
    const created = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'optimize_costs' } });
    const id = (created.body as TaskView).id;
    expect((await harness.call(other, 'GET', `${API}/tasks/${id}`)).status).toBe(404);
    expect((await harness.call(other, 'GET', `${API}/tasks/${id}?tenant_id=ten_acme`)).status).toBe(403);
    expect((await harness.call(other, 'POST', `${API}/tasks/${id}/cancel`)).status).toBe(404);
  });

  it('when the admin creates a task without tenant_id, then the 400 names query.tenant_id; with it, the task is the tenant’s', async () => {
    const missing = await harness.call(ADMIN, 'POST', `${API}/tasks`, { body: { action: 'optimize_costs' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ errors: [{ field: 'query.tenant_id' }] });
    const created = await harness.call(ADMIN, 'POST', `${API}/tasks?tenant_id=ten_acme`, { body: { action: 'optimize_costs' } });
    expect(created.status).toBe(201);
    const id = (created.body as TaskView).id;
    expect((await harness.call(acme, 'GET', `${API}/tasks/${id}`)).body).toMatchObject({ id, tenant_id: 'ten_acme' });
  });

  it('when the admin runs the optimize-costs quick action for a tenant, then the answer is the finished task with its recommendation', async () => {
    const reply = await harness.call(ADMIN, 'POST', `${API}/quick-actions/optimize-costs?tenant_id=ten_acme`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'succeeded', action: 'optimize_costs', result: { recommendation: { currency: 'EUR' } } });
  });

  it('when a task is created with execute false, then it waits pending until executed, and a pending task cancels at once', async () => {
    const created = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'analyze_usage', execute: false } });
    const id = (created.body as TaskView).id;
    expect(created.body).toMatchObject({ status: 'pending' });
    const executed = await harness.call(acme, 'POST', `${API}/tasks/${id}/execute`);
    expect(executed.status).toBe(202);
    expect((await harness.waitForTask(acme, id)).status).toBe('succeeded');
    expect((await harness.call(acme, 'POST', `${API}/tasks/${id}/cancel`)).status).toBe(409);

    const another = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'analyze_usage', execute: false } });
    const cancelled = await harness.call(acme, 'POST', `${API}/tasks/${(another.body as TaskView).id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    expect((await harness.call(acme, 'POST', `${API}/tasks/${(another.body as TaskView).id}/execute`)).status).toBe(409);
  });

  it('when tasks are listed with filters, then only the matching ones come, newest first, a page at a time', async () => {
    const page = await harness.call(acme, 'GET', `${API}/tasks?action=optimize_costs&status=succeeded&limit=1`);
    expect(page.status).toBe(200);
    const body = page.body as { items: TaskView[]; next_cursor: string | null };
    expect(body.items).toHaveLength(1);
    expect(body).toHaveProperty('next_cursor');
    expect(body.items[0]).toMatchObject({ action: 'optimize_costs', status: 'succeeded' });
    const bad = await harness.call(acme, 'GET', `${API}/tasks?status=sleeping`);
    expect(bad.status).toBe(400);
  });

  it('when the same Idempotency-Key is sent twice, then one task is created and the second answer is the first replayed', async () => {
    const headers = { 'Idempotency-Key': 'create-once-1' };
    const first = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'analyze_usage', execute: false }, headers });
    const second = await harness.call(acme, 'POST', `${API}/tasks`, { body: { action: 'analyze_usage', execute: false }, headers });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((second.body as TaskView).id).toBe((first.body as TaskView).id);
  });

  it('when capabilities are asked for, then each action comes with its JSON parameter schema, the plan it needs and what it reads', async () => {
    const reply = await harness.call(acme, 'GET', `${API}/capabilities`);
    expect(reply.status).toBe(200);
    const analyze = (reply.body as { actions: Array<Record<string, unknown>> }).actions.find((a) => a.action === 'analyze_usage');
    expect(analyze).toMatchObject({
      required_feature: 'ai_assistant',
      required_plan: 'pro',
      parameters_schema: { type: 'object', properties: { lookback_days: { type: 'integer' } } },
    });
    expect(analyze?.['reads']).toEqual(expect.arrayContaining([expect.stringContaining('metric.recorded')]));
  });
});
