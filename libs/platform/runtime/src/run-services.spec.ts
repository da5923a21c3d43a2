import type { RequestListener } from 'node:http';
import { runServices, type ServiceDefinition } from './run-services';

const app: RequestListener = (_req, res) => res.end();
const needsNothing = { persistence: false, eventBus: false, cache: false };
const options = {
  processName: 'test',
  env: { LOG_LEVEL: 'silent' },
  ports: { tenants: 0, billing: 0 },
  host: '127.0.0.1',
  exit: () => undefined,
  notice: () => undefined,
};

describe('runServices: a service asks only for the upstreams it declares', () => {
  it("when a service asks for the URL of a service it declares, then it gets that service's address", async () => {
    let billingUrl = '';
    const billing: ServiceDefinition = { name: 'billing', needs: needsNothing, start: () => ({ app }) };
    const tenants: ServiceDefinition = {
      name: 'tenants',
      needs: needsNothing,
      upstreams: ['billing'],
      start: (_p, _l, context) => ((billingUrl = context.urlOf('billing')), { app }),
    };
    const running = await runServices([billing, tenants], options);
    try {
      expect(billingUrl).toBe(running.servers.get('billing')?.url);
    } finally {
      await running.shutdown();
    }
  });

  it('when a service asks for the URL of a service it does not declare, then start-up fails naming both', async () => {
    const tenants: ServiceDefinition = {
      name: 'tenants',
      needs: needsNothing,
      start: (_p, _l, context) => (context.urlOf('billing'), { app }),
    };
    await expect(runServices([tenants], options)).rejects.toThrow(
      'The tenants service asks for the URL of billing, which its ServiceDefinition does not list in upstreams',
    );
  });
});
