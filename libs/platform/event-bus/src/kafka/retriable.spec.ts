import { retryWhileRetriable } from './retriable';

const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });

describe('retryWhileRetriable', () => {
  it('when kafkajs answers a retriable error (a topic not in the metadata yet) and then succeeds, then the call succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retryWhileRetriable(
      async () => {
        calls += 1;
        if (calls < 3) throw retriable('This server does not host this topic-partition');
        return 'subscribed';
      },
      { attempts: 5, onRetry: (attempt) => retries.push(attempt) },
    );
    expect(result).toBe('subscribed');
    expect(retries).toEqual([1, 2]);
  });

  it('when the error is not retriable, then it is thrown at once', async () => {
    let calls = 0;
    const failing = retryWhileRetriable(
      async () => {
        calls += 1;
        throw new Error('invalid topic name');
      },
      { attempts: 5 },
    );
    await expect(failing).rejects.toThrow('invalid topic name');
    expect(calls).toBe(1);
  });

  it('when every attempt fails with a retriable error, then the last one is thrown after `attempts` calls', async () => {
    let calls = 0;
    const failing = retryWhileRetriable(
      async () => {
        calls += 1;
        throw retriable(`attempt ${calls}`);
      },
      { attempts: 3 },
    );
    await expect(failing).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });
});
