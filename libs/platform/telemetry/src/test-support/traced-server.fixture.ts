/**
 * A tiny service for register.spec.ts, run in a child process with `--import register.ts`:
 * GET /hello/:name calls DOWNSTREAM_URL and answers with the active span as it saw it.
 * Prints `{"port":N}` once listening; on SIGTERM flushes telemetry and exits.
 */
import { get } from 'node:http';
import { trace } from '@opentelemetry/api';
import express from 'express';
import { getMeter, metricsHandler, shutdownTelemetry } from '../index';

const downstreamUrl = process.env['DOWNSTREAM_URL'] ?? '';
const greetings = getMeter('telemetry-fixture').createCounter('fixture.greetings');

const app = express();
app.get('/metrics', metricsHandler);
app.get('/hello/:name', (_req, res) => {
  const span = trace.getActiveSpan();
  greetings.add(1);
  get(downstreamUrl, (downstream) => {
    downstream.resume();
    downstream.on('end', () => {
      res.json({ traceId: span?.spanContext().traceId ?? null, recording: span?.isRecording() ?? false });
    });
  });
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  void shutdownTelemetry().then(() => process.exit(0));
});
