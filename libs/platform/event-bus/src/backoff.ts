export interface BackoffPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Exponential backoff with "equal jitter": the delay before retry `n` (1-based) is between half and
 * all of min(max, initial * 2^(n-1)), so retries of many consumers do not synchronise.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = policy.initialBackoffMs * 2 ** Math.max(0, retry - 1);
  const capped = Math.min(policy.maxBackoffMs, exponential);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** Resolves after `ms`, or as soon as one of the signals aborts (returns false then). */
export function delay(ms: number, ...signals: AbortSignal[]): Promise<boolean> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) {
      resolve(false);
      return;
    }
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    function finish(completed: boolean) {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
      resolve(completed);
    }
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
