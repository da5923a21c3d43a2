import { EventEmitter } from 'node:events';
import { createLogger } from '@tenantry/telemetry';
import { eventually } from '@tenantry/testing';
import { runUntilSignalled, type SignalHandle } from './lifecycle';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('runUntilSignalled', () => {
  let handle: SignalHandle | undefined;
  // Signals come from an emitter of the test's own: emitting real process signals inside Jest is unreliable.
  let signals: EventEmitter;
  beforeEach(() => {
    signals = new EventEmitter();
  });
  afterEach(() => handle?.dispose());

  it('when SIGTERM arrives, then the hooks run in order, one after the other, and the process exits 0', async () => {
    const calls: string[] = [];
    const exit = jest.fn();
    handle = runUntilSignalled({
      logger,
      exit,
      signalSource: signals,
      shutdown: [
        { name: 'http', run: async () => void calls.push('drain http') },
        async function stopConsumers() {
          await Promise.resolve();
          calls.push('stop consumers');
        },
        () => void calls.push('close connections'),
        { name: 'telemetry', run: () => void calls.push('flush telemetry') },
      ],
    });
    signals.emit('SIGTERM', 'SIGTERM');
    await eventually(() => exit.mock.calls.length === 1, { description: 'exit to be called' });
    expect(calls).toEqual(['drain http', 'stop consumers', 'close connections', 'flush telemetry']);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('when a hook fails, then the following hooks still run and the exit code is 1', async () => {
    const calls: string[] = [];
    const exit = jest.fn();
    handle = runUntilSignalled({
      logger,
      exit,
      signalSource: signals,
      shutdown: [
        {
          name: 'kafka',
          run: () => {
            throw new Error('broker gone');
          },
        },
        { name: 'telemetry', run: () => void calls.push('flush telemetry') },
      ],
    });
    await expect(handle.shutdown('test')).resolves.toBe(1);
    expect(calls).toEqual(['flush telemetry']);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('when shutdown takes longer than the timeout, then it exits 1 without waiting for the stuck hook', async () => {
    const exit = jest.fn();
    handle = runUntilSignalled({
      logger,
      exit,
      timeoutMs: 50,
      shutdown: [{ name: 'stuck', run: () => new Promise<void>(() => undefined) }],
    });
    await expect(handle.shutdown('test')).resolves.toBe(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('when a second signal arrives during shutdown, then it exits at once', async () => {
    const exit = jest.fn();
    let release: () => void = () => undefined;
    handle = runUntilSignalled({
      logger,
      exit,
      signalSource: signals,
      shutdown: [{ name: 'slow', run: () => new Promise<void>((resolve) => (release = resolve)) }],
    });
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGINT', 'SIGINT');
    expect(exit).toHaveBeenCalledWith(1);
    release();
    await eventually(() => exit.mock.calls.length === 2, { description: 'the first shutdown to finish' });
  });

  it('when disposed, then signals no longer trigger shutdown', () => {
    const exit = jest.fn();
    const before = process.listenerCount('SIGTERM');
    handle = runUntilSignalled({ logger, exit, shutdown: [] });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    handle.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
