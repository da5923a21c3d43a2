import { eventually } from '@tenantry/testing';
import type { ReadModelEvent } from '../read-models/follow-events';
import type { TaskView } from '../tasks/task-view';
import { ADMIN, API, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import { alertFired, type AlertSpec } from '../test-support/alert-events';
import { subscribed } from '../test-support/billing-events';
import { readModelEvent } from '../test-support/run-action';
import { usageBatch } from '../test-support/usage-events';

const today = () => new Date().toISOString().slice(0, 10);
const availability: AlertSpec = {
  slo: 'tenant-availability',
  service: 'gateway',
  tenantId: 'ten_api',
  severity: 'page',
  budgetRemaining: 0.25,
};

/** The actions added for issue 13, through the tasks API: created, run by a worker, answered; refused with a 400 naming the parameter. */
describe('actions through the tasks API (in-memory platform)', () => {
  let harness: AssistantHarness;
  beforeAll(async () => {
    harness = await startAssistantHarness();
    const events: ReadModelEvent[] = [
      subscribed('ten_api', 'pro', '2026-01-01T00:00:00.000Z'),
      readModelEvent('metric.recorded', 'ten_api', usageBatch('ten_api', today(), 120)),
      alertFired(availability, '2026-11-30T10:00:00.000Z'),
    ];
    await harness.platform.bus.publish(events as never);
  });
  afterAll(() => harness.close());

  const tenant = tenantKey('ten_api');

  /** Runs the action as the tenant until `ready` accepts its result (the read models follow the bus asynchronously). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- results differ per action; each test reads its own figures
  const runUntil = (action: string, parameters: Record<string, unknown>, ready: (result: any) => boolean) =>
    eventually(
      async () => {
        const created = await harness.call(tenant, 'POST', `${API}/tasks`, { body: { action, parameters } });
        expect(created.status).toBe(201);
        const task = await harness.waitForTask(tenant, (created.body as TaskView).id);
        return task.status === 'succeeded' && ready(task.result) ? task : false;
      },
      { description: `${action} on the published data` },
    );

  it('when a tenant creates a predict_churn task, then it succeeds with its score from the signals the read models hold', async () => {
    const task = await runUntil('predict_churn', { lookback_days: 14 }, (r) => r.signals?.[1]?.value?.days_since_last_call === 0);
    expect(task).toMatchObject({ status: 'succeeded', progress: 100, tenant_id: 'ten_api' });
    // one day of usage (no trend), no invoice seen; called today, no downgrade: 0 of the 45 known weights
    expect(task.result).toMatchObject({
      inputs: { scope: 'tenant', lookback_days: 14 },
      score: 0,
      band: 'low',
      weight_known: 45,
      missing_signals: ['usage_trend', 'unpaid_invoices', 'support_load'],
    });
  });

  it('when predict_churn gets a bad parameter, then the 400 names it; a tenant asking for the platform scope gets a 403', async () => {
    const bad = await harness.call(tenant, 'POST', `${API}/tasks`, { body: { action: 'predict_churn', parameters: { inactive_days: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.inactive_days' })] });
    const platform = await harness.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'predict_churn', parameters: { scope: 'platform' } },
    });
    expect(platform.status).toBe(403);
    const admin = await harness.call(ADMIN, 'POST', `${API}/tasks?tenant_id=ten_api`, {
      body: { action: 'predict_churn', parameters: { scope: 'platform' } },
    });
    expect(admin.status).toBe(201);
    const task = await harness.waitForTask(ADMIN, `${(admin.body as TaskView).id}?tenant_id=ten_api`);
    expect(task).toMatchObject({ status: 'succeeded', result: { inputs: { scope: 'platform' } } });
  });

  it('when a tenant creates a generate_insights task, then it succeeds with its plan’s MRR and its usage against the quota', async () => {
    const task = await runUntil('generate_insights', {}, (r) => r.usage?.total_requests === 120 && r.subscription !== null);
    expect(task.result).toMatchObject({
      inputs: { scope: 'tenant', lookback_days: 30 },
      subscription: { plan_id: 'pro', interval: 'monthly', status: 'active', mrr_cents: 19_900 },
      invoices: null,
      usage: { days_with_data: 1, total_requests: 120, daily_quota: 10_000, peak_share_of_quota: 0.012 },
      notes: ['No invoice event seen for this tenant: no invoice figures.'],
    });
  });

  it('when generate_insights gets a bad parameter, then the 400 names it', async () => {
    const bad = await harness.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'generate_insights', parameters: { lookback_days: 0 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.lookback_days' })] });
    const unknown = await harness.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'generate_insights', parameters: { mrr: true } },
    });
    expect(unknown.status).toBe(400);
  });

  it('when a tenant creates an optimize_performance task, then it succeeds with the p95 bucket of its calls and what follows from them', async () => {
    const task = await runUntil('optimize_performance', {}, (r) => r.overall?.requests === 120);
    // 120 calls all in (0, 50]: rank 114 → 50 × 114 / 120 = 47.5
    expect(task.result).toMatchObject({
      inputs: { lookback_days: 7, plan_id: 'pro' },
      overall: { requests: 120, rate_limited: 0, p95: { bucket_lower_ms: 0, bucket_upper_ms: 50, estimate_ms: 47.5 } },
      upgrade_rule: { applies: true, next_plan_id: 'enterprise', recommend_upgrade: false },
      suggestions: [expect.objectContaining({ kind: 'cache', route: 'GET /api/v1/tenants/:tenantId' })],
    });
  });

  it('when optimize_performance gets a bad parameter, then the 400 names it', async () => {
    const bad = await harness.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'optimize_performance', parameters: { lookback_days: 91, cache_max_hit_share: 2 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      errors: [
        expect.objectContaining({ field: 'parameters.lookback_days' }),
        expect.objectContaining({ field: 'parameters.cache_max_hit_share' }),
      ],
    });
  });

  it('when a tenant creates a monitor_alerts task, then its firing alert comes grouped with its figures, and is escalated', async () => {
    const task = await runUntil('monitor_alerts', { escalate_after_minutes: 15 }, (r) => r.totals?.firing === 1);
    expect(task.result).toMatchObject({
      inputs: { scope: 'tenant', tenant_id: 'ten_api', escalate_after_minutes: 15 },
      groups: [
        { slo: 'tenant-availability', service: 'gateway', severity: 'page', firing_since: '2026-11-30T10:00:00.000Z', burn_rate: 20 },
      ],
      escalations: [{ alert_id: 'tenant-availability:ten_api:page', budget_remaining: 0.25, threshold_minutes: 15 }],
    });
    const bad = await harness.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'monitor_alerts', parameters: { flapping_threshold: 0 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.flapping_threshold' })] });
    const platform = await harness.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'monitor_alerts', parameters: { scope: 'platform' } },
    });
    expect(platform.status).toBe(403);
  });

  it('when capabilities are asked for, then the new actions come with their parameter schemas and the plan they need', async () => {
    const reply = await harness.call(tenant, 'GET', `${API}/capabilities`);
    const actions = (reply.body as { actions: Array<{ action: string; required_plan: string; parameters_schema: unknown }> }).actions;
    expect(actions.find((a) => a.action === 'predict_churn')).toMatchObject({
      required_plan: 'pro',
      parameters_schema: {
        type: 'object',
        properties: { scope: { enum: ['tenant', 'platform'] }, lookback_days: { type: 'integer' }, inactive_days: { type: 'integer' } },
      },
    });
    expect(actions.find((a) => a.action === 'generate_insights')).toMatchObject({
      required_plan: 'pro',
      parameters_schema: { type: 'object', properties: { scope: { enum: ['tenant', 'platform'] }, lookback_days: { type: 'integer' } } },
    });
    expect(actions.find((a) => a.action === 'optimize_performance')).toMatchObject({
      required_plan: 'pro',
      parameters_schema: {
        type: 'object',
        properties: { lookback_days: { maximum: 90 }, cache_min_share_of_requests: { type: 'number' } },
      },
    });
  });
});
