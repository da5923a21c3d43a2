import type { PlanId } from '@tenantry/contracts';
import { signIdentity, type Identity } from '@tenantry/http';
import { runServices, type RunningServices } from '@tenantry/runtime';
import { aiAssistantService } from './index';

const INTERNAL_SECRET = 'ai-assistant-spec-internal-secret-0123456789';
const TASKS = '/api/v1/ai-assistant/tasks';

/** The service called directly, around the gateway, with what a gateway would sign (or nothing). */
describe('ai-assistant service behind its feature gate', () => {
  let running: RunningServices;
  let url: string;

  beforeAll(async () => {
    running = await runServices([aiAssistantService], {
      processName: 'ai-assistant',
      env: {
        TENANTRY_MODE: 'embedded',
        LOG_LEVEL: 'silent',
        INTERNAL_SECRET,
        ADMIN_API_KEY: 'ai-assistant-spec-admin-key-0123456789abcdef',
      },
      ports: { 'ai-assistant': 0 },
      host: '127.0.0.1',
      exit: () => undefined,
    });
    url = running.servers.get('ai-assistant')?.url ?? '';
  });
  afterAll(() => running?.shutdown());

  const tenant = (planId?: PlanId): Identity => ({
    role: 'tenant',
    tenantId: 'ten_direct',
    keyId: 'key_direct',
    scopes: [],
    ...(planId ? { planId } : {}),
  });
  const get = (identity?: Identity) =>
    fetch(`${url}${TASKS}`, {
      headers: identity ? signIdentity(identity, { method: 'GET', url: TASKS, audience: 'ai-assistant' }, INTERNAL_SECRET) : {},
    });

  it('when a basic tenant calls it directly with a validly signed identity, then it is refused with 403 naming the plan that unlocks it', async () => {
    const response = await get(tenant('basic'));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      type: 'https://tenantry.dev/problems/forbidden',
      feature: 'ai_assistant',
      current_plan: 'basic',
      required_plan: 'pro',
    });
  });

  it('when the signed tenant identity carries no plan, then it is refused with 403 too', async () => {
    expect((await get(tenant())).status).toBe(403);
  });

  it('when a pro tenant lists its tasks, then the gate lets it through to an empty first page', async () => {
    const response = await get(tenant('pro'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], next_cursor: null });
  });

  it('when the request carries no signed identity, then it is refused with 401', async () => {
    expect((await get()).status).toBe(401);
  });
});
