import { KeyedMutex } from './write-guard';

describe('KeyedMutex', () => {
  it('when work for one key overlaps, then it runs one at a time in arrival order, while other keys run freely', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let releaseFirst = (): void => undefined;
    const firstMayFinish = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });

    const first = mutex.run('doc', async () => {
      log.push('first:start');
      await firstMayFinish;
      log.push('first:end');
    });
    const second = mutex.run('doc', async () => {
      log.push('second');
    });
    await mutex.run('other', async () => {
      log.push('other');
    });
    releaseFirst();
    await Promise.all([first, second]);

    expect(log).toEqual(['first:start', 'other', 'first:end', 'second']);
  });

  it('when work fails, then the next one still runs', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run('doc', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run('doc', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
