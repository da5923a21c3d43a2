import type { RequestListener } from 'node:http';
import { isIP } from 'node:net';
import { describeInfra, envField, loadPlatformConfig, orExit, parseEnv, type ServiceName } from '@tenantry/config';
import { runUntilSignalled, startHttpServer, type RunningHttpServer, type StartHttpServerOptions } from '@tenantry/http';
import { z } from 'zod';
import { createLogger, type Logger, shutdownTelemetry } from '@tenantry/telemetry';
import { infrastructureFor, type InfrastructureNeeds, openPlatform, type Platform, platformForService } from './platform';

/** A service as the runtime starts it: its HTTP app on the shared platform (the parts it needs), plus anything to stop. */
export interface ServiceDefinition {
  name: ServiceName;
  /**
   * The services it calls over HTTP (`context.urlOf`): in a deployment of separate processes each needs
   * its `<NAME>_URL` (docker-compose.yml gives them; apps/all-in-one/src/docker-compose.spec.ts checks).
   */
  upstreams?: readonly ServiceName[];
  /**
   * The infrastructure it uses. The process opens the union of its services' needs and nothing else
   * (a process without a service that needs the database never connects to one, and its `/ready` does
   * not check it); the service's `platform` refuses, with an error naming it, a part it did not declare.
   */
  needs: InfrastructureNeeds;
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
  /** Options of the service's HTTP server (the gateway: its headers on answers to unparseable requests). */
  http?: Pick<StartHttpServerOptions, 'clientErrorHeaders' | 'headersTimeoutMs' | 'ownServerSpans'>;
  /** A listener for operators only (the gateway's `/metrics`), which the service started and its `stop` closes. */
  operator?: RunningHttpServer;
}

export interface RunServicesOptions {
  /** Names the process in logs: the service name, or `all-in-one`. */
  processName: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides the configured ports (0 = any free port; tests use it). */
  ports?: Partial<Record<ServiceName, number>>;
  /** Overrides HOST and INTERNAL_HOST: every service listens here. */
  host?: string;
  /** Process exit, replaced in tests. */
  exit?: (code: number) => void;
  /** Where the one-time notice of a generated admin key goes (default stderr, never the log). */
  notice?: (text: string) => void;
}

export interface RunningServices {
  /** The process's platform: what its services need, opened once and shared. */
  platform: Platform;
  servers: ReadonlyMap<ServiceName, RunningHttpServer>;
  /** The operator listeners of the services that have one (the gateway's `/metrics`). */
  operatorServers: ReadonlyMap<ServiceName, RunningHttpServer>;
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
  const hosts = orExit(() => parseEnv(listenEnvSchema, env));
  // With the gateway in this process (embedded mode, `npm start`), it is the one door: the services
  // behind it listen on INTERNAL_HOST (loopback) and only the gateway on HOST.
  const withGateway = services.some((service) => service.name === 'gateway');
  const hostOf = (name: ServiceName): string => options.host ?? (withGateway && name !== 'gateway' ? hosts.INTERNAL_HOST : hosts.HOST);
  const logger = createLogger({ service: options.processName, level: config.logLevel });
  const needs = infrastructureFor(services.map((service) => service.needs));
  logger.info({ mode: config.infra.mode }, `starting ${services.map((s) => s.name).join(', ')}: ${describeInfra(config.infra, needs)}`);
  announceGeneratedSecrets(config, options.notice ?? ((text) => process.stderr.write(text)));

  const platform = await openPlatform(config, logger, options.processName, needs);
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
        throw new Error(
          `The ${definition.name} service asks for the URL of ${name}, which its ServiceDefinition does not list in upstreams: add it there (and ${name}'s URL to docker-compose.yml).`,
        );
      }
      return urlOf(name);
    },
  });
  try {
    for (const definition of services) {
      // Its own logger rather than a child, so every line carries exactly one `service`.
      const serviceLogger = createLogger({ service: definition.name, level: config.logLevel });
      const service = await definition.start(
        platformForService(platform, definition.name, definition.needs),
        serviceLogger,
        contextOf(definition),
      );
      const port = options.ports?.[definition.name] ?? config.ports[definition.name];
      const server = await startHttpServer(service.app, { port, host: hostOf(definition.name), logger: serviceLogger, ...service.http });
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
    operatorServers: new Map(started.flatMap(({ name, service }) => (service.operator ? [[name, service.operator] as const] : []))),
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

/** An IP address or a host name to listen on (HOST, INTERNAL_HOST, GATEWAY_ADMIN_HOST). */
export const listenHost = () =>
  envField((raw) => {
    const value = raw.trim();
    return isIP(value) !== 0 || /^[A-Za-z0-9.-]{1,253}$/.test(value)
      ? { ok: true as const, value }
      : { ok: false as const, message: `must be an IP address or a host name (got ${JSON.stringify(value.slice(0, 60))})` };
  });

/**
 * Where services listen. HOST: the gateway, and a service run alone in its own process (a container
 * reached by the gateway over the deployment's network). INTERNAL_HOST: the services that share a
 * process with the gateway, which reaches them over loopback.
 */
const listenEnvSchema = z.object({
  HOST: listenHost().default('0.0.0.0'),
  INTERNAL_HOST: listenHost().default('127.0.0.1'),
});
