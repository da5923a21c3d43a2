import { createLogger, type Logger } from '@tenantry/telemetry';
import type { Express } from 'express';
import { createHttpApp, type HttpAppOptions } from '../app';
import { startHttpServer } from '../server';

/** Log lines written during a test, raw and parsed. */
export interface CapturedLogs {
  raw: string[];
  lines(): Array<Record<string, unknown>>;
}

export function captureLogger(service = 'test-service'): { logger: Logger; logs: CapturedLogs } {
  const raw: string[] = [];
  const logger = createLogger({ service, level: 'debug', destination: { write: (line: string) => void raw.push(line) } });
  return { logger, logs: { raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) } };
}

export interface ServedApp {
  url: string;
  logs: CapturedLogs;
  close(): Promise<void>;
}

/** Builds the platform app around `configure` and serves it on a free loopback port. */
export async function serveApp(
  configure: (app: Express) => void,
  options: Partial<Omit<HttpAppOptions, 'configure'>> = {},
): Promise<ServedApp> {
  const { logger, logs } = captureLogger(options.service);
  const app = createHttpApp({ service: 'test-service', logger, ...options, configure });
  const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger, shutdownGraceMs: 1_000 });
  return { url: server.url, logs, close: () => server.close() };
}

/** The log lines describing finished requests. */
export function requestLines(logs: CapturedLogs): Array<Record<string, unknown>> {
  return logs.lines().filter((line) => line['msg'] === 'request completed' || line['msg'] === 'request aborted by client');
}
