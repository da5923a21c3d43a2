import { ConfigError } from '@tenantry/config';
import { loadGatewayConfig } from './gateway-config';

describe('gateway configuration', () => {
  it('when nothing is set, then the defaults apply', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      GATEWAY_KEY_CACHE_TTL: 30_000,
      RATE_LIMIT_FALLBACK: 'per-process',
      ENABLE_RATE_LIMIT: true,
      RATE_LIMIT_OVERRIDES: {},
      PUBLIC_RATE_LIMIT_PER_MINUTE: 60,
      RESPONSE_CACHE_TTL_RULES: [],
      GATEWAY_TRUSTED_PROXIES: [],
      GATEWAY_MAX_CONCURRENT_PER_TENANT: 32,
      GATEWAY_CONTROL_MAX_SOCKETS: 32,
      GATEWAY_HEADERS_TIMEOUT: 10_000,
      GATEWAY_BODY_TIMEOUT: 10_000,
      GATEWAY_MAX_BODY_BYTES: 1024 * 1024,
      GATEWAY_AUTH_FAILURES_PER_MINUTE: 20,
      GATEWAY_BEHIND_TLS: false,
      GATEWAY_ADMIN_PORT: 9464,
      GATEWAY_ADMIN_HOST: '127.0.0.1',
    });
  });

  it('when the edge limits are set, then they are parsed', () => {
    expect(
      loadGatewayConfig({
        GATEWAY_MAX_CONCURRENT_PER_TENANT: '8',
        GATEWAY_BODY_TIMEOUT: '2s',
        GATEWAY_BEHIND_TLS: 'true',
        GATEWAY_ADMIN_PORT: '0',
        GATEWAY_ADMIN_HOST: '0.0.0.0',
      }),
    ).toMatchObject({
      GATEWAY_MAX_CONCURRENT_PER_TENANT: 8,
      GATEWAY_BODY_TIMEOUT: 2_000,
      GATEWAY_BEHIND_TLS: true,
      GATEWAY_ADMIN_PORT: 0,
      GATEWAY_ADMIN_HOST: '0.0.0.0',
    });
  });

  it('when trusted proxies are listed, then addresses, CIDR ranges and named ranges are kept', () => {
    expect(loadGatewayConfig({ GATEWAY_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.7 ,fd00::/8, loopback' }).GATEWAY_TRUSTED_PROXIES).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('when the public routes get their own per-minute limit, then it is parsed', () => {
    expect(loadGatewayConfig({ PUBLIC_RATE_LIMIT_PER_MINUTE: '600' }).PUBLIC_RATE_LIMIT_PER_MINUTE).toBe(600);
  });

  it('when limits are overridden for a plan, then the override is parsed', () => {
    const config = loadGatewayConfig({ RATE_LIMIT_OVERRIDES: '{"enterprise":{"requestsPerMinute":100000,"apiCallsPerDay":"unlimited"}}' });
    expect(config.RATE_LIMIT_OVERRIDES).toEqual({ enterprise: { requestsPerMinute: 100_000, apiCallsPerDay: 'unlimited' } });
  });

  it.each([
    ['RATE_LIMIT_OVERRIDES', '{"platinum":{"requestsPerMinute":1}}'],
    ['RATE_LIMIT_OVERRIDES', '{"pro":{"requestsPerMinute":-1}}'],
    ['RATE_LIMIT_OVERRIDES', 'not json'],
    ['RESPONSE_CACHE_TTL_RULES', '[{"ttlSeconds":5}]'],
    ['RATE_LIMIT_FALLBACK', 'sometimes'],
    ['METERING_FLUSH_INTERVAL', '1ms'],
    ['PUBLIC_RATE_LIMIT_PER_MINUTE', '0'],
    ['PUBLIC_RATE_LIMIT_PER_MINUTE', 'lots'],
    ['GATEWAY_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['GATEWAY_TRUSTED_PROXIES', 'lb.example.com'],
    ['GATEWAY_TRUSTED_PROXIES', '10.0.0.1/8/8'],
    ['GATEWAY_MAX_CONCURRENT_PER_TENANT', '0'],
    ['GATEWAY_BODY_TIMEOUT', '2m'],
    ['GATEWAY_AUTH_FAILURES_PER_MINUTE', 'many'],
    ['GATEWAY_ADMIN_PORT', '70000'],
    ['GATEWAY_ADMIN_HOST', 'not a host!'],
  ])('when %s is %s, then start-up fails naming the variable', (variable, value) => {
    let error: unknown;
    try {
      loadGatewayConfig({ [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toContain(variable);
  });
});
