export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown when the deadline passes, to say what was being waited for. */
  description?: string;
}

/**
 * Polls `probe` until it returns without throwing (and, if it returns a boolean, returns true), or the
 * deadline passes; then rethrows the last failure. Tests wait for asynchronous work with this, never
 * with a fixed sleep.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<Exclude<T, false>> {
  const { timeoutMs = 10_000, intervalMs = 25, description = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastFailure: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== false) return result as Exclude<T, false>;
      lastFailure = new Error(`${description} was still false`);
    } catch (error) {
      lastFailure = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastFailure instanceof Error ? lastFailure.message : String(lastFailure);
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}: ${detail}`, { cause: lastFailure });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
