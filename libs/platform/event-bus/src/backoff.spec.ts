import { backoffDelayMs, delay } from './backoff';

describe('backoffDelayMs', () => {
  const policy = { initialBackoffMs: 100, maxBackoffMs: 1_000 };

  it.each([
    [1, 50, 100],
    [2, 100, 200],
    [3, 200, 400],
    [4, 400, 800],
    [5, 500, 1_000],
    [30, 500, 1_000],
  ])('when retry %i, then the delay is between %i and %i ms (equal jitter, capped)', (retry, low, high) => {
    expect(backoffDelayMs(retry, policy, () => 0)).toBe(low);
    expect(backoffDelayMs(retry, policy, () => 1)).toBe(high);
  });
});

describe('delay', () => {
  it('when a signal aborts, then it resolves false at once', async () => {
    const controller = new AbortController();
    const waiting = delay(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
  });

  it('when the time passes, then it resolves true', async () => {
    await expect(delay(1, new AbortController().signal)).resolves.toBe(true);
  });
});
