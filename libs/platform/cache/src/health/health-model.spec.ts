import { CacheUnavailableError } from '../cache';
import { type HealthChange, HealthModel } from './health-model';

function model(options: { initial?: 'up' | 'down' } = {}) {
  let now = 1_000;
  const probe = { calls: 0, answers: true, pending: undefined as ((answered: boolean) => void) | undefined };
  const health = new HealthModel({
    ...options,
    probeIntervalMs: 500,
    now: () => now,
    probe: () => {
      probe.calls += 1;
      return new Promise<boolean>((resolve) => (probe.pending = resolve));
    },
  });
  const changes: HealthChange[] = [];
  health.onChange((change) => changes.push(change));
  return { health, probe, changes, advance: (ms: number) => (now += ms) };
}

describe('HealthModel', () => {
  it("when a call fails because the store cannot serve it, then the model leaves up; a bad call's error changes nothing", () => {
    const { health, changes } = model();
    expect(health.failed(new TypeError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(health.state).toBe('up');
    expect(health.failed(new Error('OOM command not allowed when used memory > maxmemory'))).toBe(true);
    expect(health.state).toBe('degraded');
    expect(health.failed(new CacheUnavailableError('Redis is unavailable'))).toBe(true);
    expect(changes.map((change) => [change.previous, change.state])).toEqual([['up', 'degraded']]);
  });

  it('while not up, then no caller may send work, and one probe per interval runs only when asked; its success makes it up for everyone', async () => {
    const { health, probe, changes, advance } = model();
    health.failed(new Error('Command timed out: no reply from Redis for 1000 ms (connection stalled)'));
    expect(health.usable()).toBe(false);
    expect(probe.calls).toBe(0); // the first probe waits one interval after the failure

    advance(500);
    expect(health.usable()).toBe(false);
    expect(health.usable()).toBe(false);
    expect(probe.calls).toBe(1); // one at a time
    probe.pending?.(false);
    await Promise.resolve();
    await Promise.resolve();
    expect(health.usable()).toBe(false);
    expect(probe.calls).toBe(1); // the next one waits another interval

    advance(500);
    health.usable();
    expect(probe.calls).toBe(2);
    probe.pending?.(true);
    await Promise.resolve();
    await Promise.resolve();
    expect(health.state).toBe('up');
    expect(health.usable()).toBe(true);
    expect(changes.at(-1)).toMatchObject({ previous: 'degraded', state: 'up', reason: 'probe answered' });
  });

  it('when the connection layer says no connection is ready, then it is down, and a connection becoming ready makes it up without a probe', () => {
    const { health, probe, changes } = model({ initial: 'down' });
    expect(health.state).toBe('down');
    health.connectionReady();
    expect(health.state).toBe('up');
    health.connectionsDown('connection close');
    health.connectionsDown('connection reconnecting');
    expect(health.state).toBe('down');
    expect(changes.map((change) => change.state)).toEqual(['up', 'down']);
    expect(probe.calls).toBe(0);
  });
});
