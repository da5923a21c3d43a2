import { connect } from 'node:net';
import { createLogger } from '@tenantry/telemetry';
import { eventually } from '@tenantry/testing';
import { createHttpApp } from './app';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, startHttpServer } from './server';

const logger = createLogger({ service: 'test', level: 'silent' });

/** Resolves true if a TCP connection to the port is accepted, false if refused. */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An app whose /slow requests wait until the test releases them. */
function slowApp() {
  const waiting: Array<() => void> = [];
  const app = createHttpApp({
    service: 'test',
    logger,
    configure: (routes) =>
      routes.get('/slow', async (_req, res) => {
        await new Promise<void>((resolve) => waiting.push(resolve));
        res.json({ finished: true });
      }),
  });
  return { app, waiting };
}

describe('startHttpServer', () => {
  it('when started, then keep-alive outlasts common proxy idle timeouts and headers timeout exceeds it', async () => {
    const server = await startHttpServer(createHttpApp({ service: 'test', logger, configure: () => undefined }), {
      port: 0,
      host: '127.0.0.1',
      logger,
    });
    try {
      expect(server.server.keepAliveTimeout).toBe(DEFAULT_KEEP_ALIVE_TIMEOUT_MS);
      expect(server.server.keepAliveTimeout).toBeGreaterThan(60_000);
      expect(server.server.headersTimeout).toBeGreaterThan(server.server.keepAliveTimeout);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('when the port is taken, then starting fails instead of hanging', async () => {
    const first = await startHttpServer(createHttpApp({ service: 'test', logger, configure: () => undefined }), {
      port: 0,
      host: '127.0.0.1',
      logger,
    });
    try {
      await expect(
        startHttpServer(createHttpApp({ service: 'test', logger, configure: () => undefined }), {
          port: first.port,
          host: '127.0.0.1',
          logger,
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('when closing during a slow request, then new connections are refused while the in-flight request completes', async () => {
    const { app, waiting } = slowApp();
    const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 5_000 });
    const inFlight = fetch(`${server.url}/slow`);
    await eventually(() => waiting.length === 1, { description: 'the slow request to reach its handler' });

    let closed = false;
    const closing = server.close().then(() => (closed = true));
    expect(await acceptsConnections(server.port)).toBe(false);
    expect(closed).toBe(false);

    waiting[0]?.();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ finished: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('when a request outlives the grace period, then its connection is closed at the deadline and close() resolves', async () => {
    const { app, waiting } = slowApp();
    const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 150 });
    const stuck = fetch(`${server.url}/slow`).then(
      () => 'answered',
      () => 'connection closed',
    );
    await eventually(() => waiting.length === 1, { description: 'the stuck request to reach its handler' });
    // close() resolves although the stuck request never ends: its connection was closed at the deadline.
    await server.close();
    expect(await stuck).toBe('connection closed');
    waiting[0]?.();
  });

  it('when idle keep-alive connections are open, then close() does not wait for their timeout', async () => {
    const server = await startHttpServer(createHttpApp({ service: 'test', logger, configure: () => undefined }), {
      port: 0,
      host: '127.0.0.1',
      logger,
      // Ten minutes: if close() waited for idle connections to time out, this test would never finish.
      keepAliveTimeoutMs: 600_000,
    });
    await fetch(`${server.url}/health`).then((response) => response.text());
    expect(await openConnections(server.server)).toBe(1);
    await server.close();
    expect(await openConnections(server.server)).toBe(0);
  });
});

function openConnections(server: import('node:http').Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}
