import type { RequestListener } from 'node:http';
import { describeInfra, loadPlatformConfig, orExit, type ServiceName } from '@tenantry/config';
import { runUntilSignalled, startHttpServer, type RunningHttpServer } from '@tenantry/http';
import { createLogger, type Logger, shutdownTelemetry } from '@tenantry/telemetry';
import { openPlatform, type Platform } from './platform';

/** A service as the runtime starts it: its HTTP app on the shared platform, plus anything to stop. */
export interface ServiceDefinition {
  name: ServiceName;
  /**
   * The services it calls over HTTP (`context.urlOf`): in a deployment of separate processes each needs
   * its `<NAME>_URL` (docker-compose.yml gives them; apps/all-in-one/src/docker-compose.spec.ts checks).
   */
  upstreams?: readonly ServiceName[];
  start(platform: Platform, logger: Logger, context: ServiceContext): Promise<StartedService> | StartedService;
}

/** What a starting service learns about the other services of the deployment. */
export interface ServiceContext {
  /** The environment the process was configured from (for a service's own variables: `parseEnv(schema, context.env)`). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * The base URL (no trailing slash) of a service: its real address when it already runs in this process
   * (the gateway starts last, so it sees them all), else `<NAME>_URL`, else loopback at its configured port.
   */
  urlOf(name: ServiceName): string;
}

export interface StartedService {
  app: RequestListener;
  /** Stops what the service runs besides HTTP (consumers, schedulers); called after HTTP drained. */
  stop?(): Promise<void>;
}

export interface RunServicesOptions {
  /** Names the process in logs: the service name, or `all-in-one`. */
  processName: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides the configured ports (0 = any free port; tests use it). */
  ports?: Partial<Record<ServiceName, number>>;
  host?: string;
  /** Process exit, replaced in tests. */
  exit?: (code: number) => void;
  /** Where the one-time notice of a generated admin key goes (default stderr, never the log). */
  notice?: (text: string) => void;
}

export interface RunningServices {
  platform: Platform;
  servers: ReadonlyMap<ServiceName, RunningHttpServer>;
  /** Drains HTTP, stops the services, closes the platform and flushes telemetry. */
  shutdown(): Promise<number>;
}

/**
 * Starts the given services in this process on one shared platform and keeps them running until
 * SIGTERM/SIGINT: `apps/<service>/src/main.ts` runs one, `apps/all-in-one` runs all five.
 */
export async function runServices(services: readonly ServiceDefinition[], options: RunServicesOptions): Promise<RunningServices> {
  const env = options.env ?? process.env;
  const config = orExit(() => loadPlatformConfig(env));
  const logger = createLogger({ service: options.processName, level: config.logLevel });
  logger.info({ mode: config.infra.mode }, `starting ${services.map((s) => s.name).join(', ')}: ${describeInfra(config.infra)}`);
  announceGeneratedSecrets(config, options.notice ?? ((text) => process.stderr.write(text)));

  const platform = await openPlatform(config, logger, options.processName);
  const started: Array<{ name: ServiceName; service: StartedService; server: RunningHttpServer }> = [];
  const urlOf = (name: ServiceName): string => {
    const local = started.find((entry) => entry.name === name);
    if (local) return local.server.url;
    return (config.serviceUrls[name] ?? `http://127.0.0.1:${config.ports[name]}`).replace(/\/+$/, '');
  };
  // Each service may ask only for the upstreams it declares, so the declaration the deployment files
  // are checked against cannot fall behind the code.
  const contextOf = (definition: ServiceDefinition): ServiceContext => ({
    env,
    urlOf(name) {
      if (!definition.upstreams?.includes(name)) {
        throw new Error(`The ${definition.name} service asks for the URL of ${name}, which its ServiceDefinition does not list in upstreams: add it there (and ${name}'s URL to docker-compose.yml).`);
      }
      return urlOf(name);
    },
  });
  try {
    for (const definition of services) {
      // Its own logger rather than a child, so every line carries exactly one `service`.
      const serviceLogger = createLogger({ service: definition.name, level: config.logLevel });
      const service = await definition.start(platform, serviceLogger, contextOf(definition));
      const port = options.ports?.[definition.name] ?? config.ports[definition.name];
      const server = await startHttpServer(service.app, { port, host: options.host, logger: serviceLogger });
      started.push({ name: definition.name, service, server });
    }
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await Promise.allSettled(started.map(({ server }) => server.close()));
    await platform.close().catch(() => undefined);
    throw error;
  }

  const signals = runUntilSignalled({
    logger,
    exit: options.exit,
    shutdown: [
      { name: 'http', run: async () => void (await Promise.all(started.map(({ server }) => server.close()))) },
      { name: 'services', run: async () => void (await Promise.all(started.map(({ service }) => service.stop?.()))) },
      { name: 'platform', run: () => platform.close() },
      { name: 'telemetry', run: () => shutdownTelemetry() },
    ],
  });

  return {
    platform,
    servers: new Map(started.map(({ name, server }) => [name, server])),
    shutdown: () => signals.shutdown('requested'),
  };
}

/**
 * Embedded mode generates secrets that were not set, so that `npm start` needs no setup. The admin key
 * is shown ONCE, on the terminal, never in the log stream.
 */
function announceGeneratedSecrets(config: ReturnType<typeof loadPlatformConfig>, notice: (text: string) => void): void {
  if (!config.adminApiKey.generated) return;
  notice(
    [
      '',
      '  ADMIN_API_KEY was not set, so this process generated one (shown once, valid until exit):',
      `    ${config.adminApiKey.value}`,
      '  Use it as: Authorization: Bearer <key>. Set ADMIN_API_KEY to choose your own.',
      '',
      '',
    ].join('\n'),
  );
}
