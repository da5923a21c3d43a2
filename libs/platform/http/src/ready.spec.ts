import { PROBLEM_CONTENT_TYPE } from './problem';
import { serveApp } from './test-support/harness';

const noRoutes = (): void => undefined;

describe('/ready', () => {
  it('when every check passes, then 200 lists each check as up', async () => {
    const served = await serveApp(noRoutes, { readiness: { mongodb: async () => undefined, kafka: async () => undefined } });
    try {
      const response = await fetch(`${served.url}/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ready',
        checks: { mongodb: { status: 'up', durationMs: expect.any(Number) }, kafka: { status: 'up', durationMs: expect.any(Number) } },
      });
    } finally {
      await served.close();
    }
  });

  it('when there are no dependencies, then it is ready', async () => {
    const served = await serveApp(noRoutes);
    try {
      expect((await fetch(`${served.url}/ready`)).status).toBe(200);
    } finally {
      await served.close();
    }
  });

  it('when a check fails and another hangs, then 503 names both, the hanging one as timed out, without leaking the error', async () => {
    const served = await serveApp(noRoutes, {
      readinessTimeoutMs: 100,
      readiness: [
        { name: 'redis', check: async () => undefined },
        { name: 'mongodb', check: async () => Promise.reject(new Error('auth failed for mongodb://app:s3cret@db')) },
        { name: 'kafka', check: () => new Promise<void>(() => undefined) },
      ],
    });
    try {
      // The hanging check does not hold the answer: it is named as timed out (below).
      const response = await fetch(`${served.url}/ready`);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        type: 'https://tenantry.dev/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: 'Not ready: mongodb (failed), kafka (timed out after 100 ms).',
        instance: '/ready',
        checks: {
          redis: { status: 'up' },
          mongodb: { status: 'down', reason: 'failed' },
          kafka: { status: 'down', reason: 'timed out after 100 ms' },
        },
      });
      expect(JSON.stringify(body)).not.toContain('s3cret');
      expect(served.logs.lines().find((line) => line['msg'] === 'readiness check failed')).toMatchObject({ check: 'mongodb' });
      expect(served.logs.raw.join('\n')).not.toContain('s3cret');
    } finally {
      await served.close();
    }
  });
});
