import { Writable } from 'node:stream';
import pino from 'pino';
import { openRateLimiter } from './open-rate-limiter';
import { PER_PROCESS } from './rate-limiter';

function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(sink), lines };
}

describe('openRateLimiter without Redis', () => {
  it('when the in-memory limiter is opened, then its log line and its /health status name it with the same word', async () => {
    const { logger, lines } = capturingLogger();
    const limiter = openRateLimiter({ logger });
    expect(PER_PROCESS).toBe('per-process');
    expect(limiter.status().backend).toBe(PER_PROCESS);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ rateLimiter: PER_PROCESS });
    expect(String(lines[0]?.['msg'])).toContain(PER_PROCESS);
    await limiter.close();
  });
});
