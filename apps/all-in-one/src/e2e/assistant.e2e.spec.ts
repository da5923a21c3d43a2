import { describeWithInfra, eventually } from '@tenantry/testing';
import { type ApiResponse, type Client, realInfraEnv, usePlatform } from '../test-support/e2e-harness';
import { OpenApiConformance, type OpenApiDocument } from '../test-support/openapi-conformance';
import { at, MINUTE, recordBody, thisMinute } from '../test-support/readme-steps';

jest.setTimeout(180_000);

const A = '/api/v1/ai-assistant';
const O = '/api/v1/observability';

interface Task<R = Record<string, unknown>> {
  id: string;
  action: string;
  status: string;
  progress: number;
  result: R;
}
interface IncidentAlert {
  fingerprint: string;
  alert_id: string;
  slo: string;
  severity: string;
  firing: boolean;
  episodes: number;
}
interface Incident {
  id: string;
  tenant_id: string;
  service: string;
  status: string;
  severity: string;
  title: string;
  opened_at: string;
  resolved_at: string | null;
  escalate_at: string;
  escalated_at: string | null;
  alerts: IncidentAlert[];
  timeline: Array<{ at: string; event: string; fingerprint: string | null }>;
}

/**
 * The README's assistant walkthrough ("the assistant analyses, right-sizes, schedules a report and opens an
 * incident"), step by step with its exact requests, through the gateway on real Kafka, FerretDB and Redis. The
 * incident comes from a real alert.fired: the outage is recorded with observability's `POST /metrics/record`, its
 * evaluation loop fires the alerts, the assistant consumes them.
 */
describeWithInfra('README assistant walkthrough through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  // Alerts evaluated every second (default: every minute); quick actions wait long enough for a busy machine.
  const { admin } = usePlatform(() => realInfraEnv(infra, { OBSERVABILITY_EVALUATION_INTERVAL_MS: '1000', ASSISTANT_QUICK_WAIT: '20s' }));

  /**
   * A reader gives metering a few seconds before each step; the test waits until the assistant's usage read model
   * holds `requests` of the tenant's calls, asking as the admin (whose calls are not the tenant's usage).
   */
  const untilAssistantCounts = (tenantId: string, requests: number) =>
    eventually(
      async () => {
        const reply = await admin.post<Task<{ figures: { total_requests: number } }>>(`${A}/quick-actions/analyze?tenant_id=${tenantId}`);
        const counted = reply.body.result?.figures?.total_requests;
        if (counted === requests) return true;
        throw new Error(`the admin's analysis answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 600)}`);
      },
      { timeoutMs: 120_000, intervalMs: 500, description: `the assistant to count ${requests} calls of the tenant` },
    );

  /**
   * The reader's `GET /tasks/{id}` comes a moment after the POST; the test waits for the task to finish asking as the
   * admin (the tenant's pro plan allows 100 requests a minute), then asks once with the tenant's key as written.
   */
  const finished = async <R>(client: Client, tenantId: string, id: string) => {
    await eventually(
      async () => {
        const reply = await admin.get<Task>(`${A}/tasks/${id}?tenant_id=${tenantId}`);
        if (['succeeded', 'failed', 'cancelled'].includes(reply.body.status)) return true;
        throw new Error(`it is ${JSON.stringify(reply.body).slice(0, 400)}`);
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `task ${id} to finish` },
    );
    return client.get<Task<R>>(`${A}/tasks/${id}`);
  };

  it('when a pro tenant follows "the assistant analyses, right-sizes, schedules a report and opens an incident", then every step answers as written', async () => {
    const document = await admin.as(undefined).get<OpenApiDocument>('/openapi.json');
    const contract = new OpenApiConformance(document.body);
    const conforms = (method: string, path: string, response: ApiResponse<unknown>) =>
      expect(contract.problemsOf(method, path, response.status, response.headers.get('content-type'), response.body)).toEqual([]);

    // 1. A pro tenant (UTC), and ten calls of its own through the gateway.
    const created = await admin.post<{
      tenant: { id: string; name: string; status: string; subscription_tier: string };
      api_key: { key: string };
    }>('/api/v1/tenants', { name: 'Hooli', subscription_tier: 'pro' });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ name: 'Hooli', status: 'trial', subscription_tier: 'pro' });
    const tenantId = created.body.tenant.id;
    const tenant = admin.as(created.body.api_key.key);
    const calls: number[] = [];
    for (let i = 0; i < 10; i += 1) calls.push((await tenant.get(`/api/v1/tenants/${tenantId}`)).status);
    expect(calls).toEqual(Array(10).fill(200));
    await untilAssistantCounts(tenantId, 10);

    // 2. Analyse the usage: one day of ten calls against pro's 10 000 a day.
    const analysis = await tenant.post<Task>(`${A}/quick-actions/analyze`);
    expect(analysis.status).toBe(200);
    expect(analysis.body).toMatchObject({
      id: expect.stringMatching(/^tsk_/),
      action: 'analyze_usage',
      status: 'succeeded',
      progress: 100,
      result: {
        inputs: { plan_id: 'pro', days_with_data: 1 },
        figures: { total_requests: 10 },
        trend: { slope_per_day: null, relative_slope_per_day: null, direction: 'unknown' },
        anomalies: [],
        quota_pressure: {
          daily_quota: 10_000,
          days_near_quota: 0,
          days_over_quota: 0,
          rate_limited_requests: 0,
          peak_share_of_quota: 0.001,
        },
        summary: 'One day of data: no trend yet. 0 anomalous days.',
      },
    });
    // The analysis itself is the day's eleventh call.
    await untilAssistantCounts(tenantId, 11);

    // 3. Right-size, keeping the assistant: 11 × 1.2 → 14 a day; Pro; 238 800 − 199 000 = 39 800 a year billed annually.
    const rightSized = await tenant.post<Task>(`${A}/quick-actions/optimize-costs`, {
      parameters: { required_features: ['ai_assistant'] },
    });
    expect(rightSized.status).toBe(200);
    expect(rightSized.body).toMatchObject({
      action: 'optimize_costs',
      status: 'succeeded',
      result: {
        figures: { peak_requests_per_day: 11, mean_requests_per_day: 11, needed_daily_quota: 14 },
        recommendation: {
          action: 'keep',
          plan_id: 'pro',
          interval: 'annual',
          current_yearly_cents: 238_800,
          recommended_yearly_cents: 199_000,
          annual_savings_cents: 39_800,
          annual_billing_savings_cents: 39_800,
          currency: 'EUR',
          features_lost: [],
          reason: 'The busiest day had 11 calls; with headroom that needs 14 a day, which the Pro plan carries (keep).',
        },
      },
    });

    // 4. A weekly report: generate_insights every Monday at 08:00 in Ljubljana.
    const scheduling = await tenant.post<Task>(`${A}/tasks`, {
      action: 'schedule_tasks',
      parameters: { action: 'generate_insights', cron: '0 8 * * 1', timezone: 'Europe/Ljubljana' },
    });
    expect(scheduling.status).toBe(201);
    expect(scheduling.body).toMatchObject({ id: expect.stringMatching(/^tsk_/), action: 'schedule_tasks', status: 'queued' });
    const scheduled = await finished<{ schedule: Record<string, unknown>; next_runs: Array<{ at: string; local: string }> }>(
      tenant,
      tenantId,
      scheduling.body.id,
    );
    expect(scheduled.body.status).toBe('succeeded');
    const { schedule, next_runs: nextRuns } = scheduled.body.result;
    expect(schedule).toMatchObject({
      schedule_id: expect.stringMatching(/^sch_/),
      action: 'generate_insights',
      parameters: {},
      cron: '0 8 * * 1',
      timezone: 'Europe/Ljubljana',
      next_run_at: nextRuns[0]?.at,
    });
    expect(nextRuns).toHaveLength(5);
    for (const run of nextRuns) {
      // Monday 08:00 on Ljubljana's wall clock: 07:00 UTC in winter, 06:00 in summer.
      expect(run.local).toMatch(/^\d{4}-\d{2}-\d{2} 08:00 GMT\+0[12]:00$/);
      expect(run.at).toMatch(run.local.endsWith('+01:00') ? /T07:00:00\.000Z$/ : /T06:00:00\.000Z$/);
      expect(new Date(run.at).getUTCDay()).toBe(1);
    }
    const schedules = await tenant.get<{ items: Array<Record<string, unknown>>; next_cursor: null }>(`${A}/schedules`);
    expect(schedules.status).toBe(200);
    expect(schedules.body).toEqual({
      items: [
        expect.objectContaining({
          id: schedule['schedule_id'],
          tenant_id: tenantId,
          action: 'generate_insights',
          cron: '0 8 * * 1',
          timezone: 'Europe/Ljubljana',
          next_run_at: nextRuns[0]?.at,
          last_run_at: null,
          runs: 0,
        }),
      ],
      next_cursor: null,
    });

    // 5. An outage (admin): 200 of 10 000 requests fail → the page and the ticket fire → one incident of the gateway.
    const T = thisMinute();
    const outage = await admin.post(`${O}/metrics/record`, recordBody(tenantId, 'outage', at(T, -2), at(T, -1), 10_000, 200, 0));
    expect(outage).toMatchObject({ status: 200, body: { batch_id: `${tenantId}-outage`, samples: 1, requests: 10_000 } });
    // A reader looks a minute later; the test polls as the admin, then asks once with the tenant's key.
    await eventually(
      async () => {
        const reply = await admin.get<{ items: Incident[] }>(`${A}/incidents?tenant_id=${tenantId}`);
        return reply.body.items?.[0]?.alerts.length === 2;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: "an incident of the tenant's page and ticket (evaluations every second)" },
    );
    const listed = await tenant.get<{ items: Incident[]; next_cursor: string | null }>(`${A}/incidents`);
    expect(listed.status).toBe(200);
    conforms('GET', `${A}/incidents`, listed);
    expect(listed.body.next_cursor).toBeNull();
    expect(listed.body.items).toHaveLength(1);
    const [incident] = listed.body.items as [Incident];
    expect(incident).toMatchObject({
      id: expect.stringMatching(/^inc_/),
      tenant_id: tenantId,
      service: 'gateway',
      status: 'open',
      severity: 'page',
      title: `tenant-availability-pro on gateway (tenant ${tenantId})`,
      resolved_at: null,
      escalate_at: new Date(Date.parse(incident.opened_at) + 30 * MINUTE).toISOString(),
      escalated_at: null,
    });
    expect(incident.alerts).toEqual([
      expect.objectContaining({
        fingerprint: `tenant-availability-pro|gateway|${tenantId}|page`,
        alert_id: `tenant-availability-pro:${tenantId}:page`,
        slo: 'tenant-availability-pro',
        severity: 'page',
        firing: true,
        episodes: 1,
      }),
      expect.objectContaining({ severity: 'ticket', firing: true }),
    ]);
    expect(incident.timeline.map((entry) => [entry.at, entry.event])).toEqual([
      [incident.opened_at, 'fired'],
      [incident.opened_at, 'fired'],
    ]);
    const read = await tenant.get<Incident>(`${A}/incidents/${incident.id}`);
    expect(read.status).toBe(200);
    conforms('GET', `${A}/incidents/${incident.id}`, read);
    expect(read.body).toMatchObject({ id: incident.id, status: 'open' });
    // Another tenant's key gets a 404; the admin sees it among every tenant's.
    const other = await admin.post<{ api_key: { key: string } }>('/api/v1/tenants', { name: 'Pied Piper', subscription_tier: 'pro' });
    const theirs = await admin.as(other.body.api_key.key).get(`${A}/incidents/${incident.id}`);
    expect(theirs.status).toBe(404);
    conforms('GET', `${A}/incidents/${incident.id}`, theirs);
    const all = await admin.get<{ items: Incident[] }>(`${A}/incidents?limit=100`);
    expect(all.body.items.map((item) => item.id)).toContain(incident.id);

    // 6. monitor_alerts: the two alerts in one group, and the same incident.
    const monitoring = await tenant.post<Task>(`${A}/tasks`, { action: 'monitor_alerts' });
    expect(monitoring.status).toBe(201);
    expect(monitoring.body).toMatchObject({ action: 'monitor_alerts', status: 'queued' });
    const monitored = await finished<{ totals: Record<string, number>; groups: Array<Record<string, unknown>>; incidents: Incident[] }>(
      tenant,
      tenantId,
      monitoring.body.id,
    );
    expect(monitored.body.status).toBe('succeeded');
    expect(monitored.body.result.totals).toEqual({
      firing: 2,
      firing_page: 1,
      firing_ticket: 1,
      groups: 1,
      flapping: 0,
      escalations: 0,
      incidents_open: 1,
      incidents_escalated: 0,
      incidents_resolved: 0,
    });
    expect(monitored.body.result.groups).toEqual([
      expect.objectContaining({ slo: 'tenant-availability-pro', service: 'gateway', severity: 'page', alert_count: 2 }),
    ]);
    expect(monitored.body.result.incidents.map((item) => [item.id, item.status])).toEqual([[incident.id, 'open']]);
  });
});
