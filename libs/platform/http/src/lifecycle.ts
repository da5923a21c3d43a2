import type { Logger } from '@tenantry/telemetry';

/** One step of stopping the process, e.g. `{ name: 'http', run: () => server.close() }`. */
export interface ShutdownHook {
  name: string;
  run: () => Promise<void> | void;
}

export interface RunUntilSignalledOptions {
  logger: Logger;
  /**
   * Run in this order on SIGTERM/SIGINT, each after the previous one settled: drain HTTP, stop
   * consumers, stop outbox relays, close DB/Redis/Kafka, flush telemetry. A failing step is logged
   * and the next one still runs.
   */
  shutdown: ReadonlyArray<ShutdownHook | (() => Promise<void> | void)>;
  signals?: readonly NodeJS.Signals[];
  /** The whole shutdown must end within this (below the orchestrator's kill grace, 30 s on Kubernetes). */
  timeoutMs?: number;
  /** Default `process.exit`; tests inject their own. */
  exit?: (code: number) => void;
  /** Where the signals come from: the process (default); tests pass their own emitter. */
  signalSource?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

export interface SignalHandle {
  /** Runs the shutdown now (as a signal would); resolves with the exit code, after `exit` was called. */
  shutdown(reason?: string): Promise<number>;
  /** Removes the signal listeners without shutting down. */
  dispose(): void;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * Keeps the process running until SIGTERM or SIGINT, then runs the shutdown hooks in order and exits
 * (0 when every hook succeeded, 1 otherwise or on timeout). A second signal exits at once.
 */
export function runUntilSignalled(options: RunUntilSignalledOptions): SignalHandle {
  const {
    logger,
    signals = ['SIGTERM', 'SIGINT'],
    timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS,
    exit = (code) => process.exit(code),
    signalSource = process,
  } = options;
  const hooks = options.shutdown.map((hook, index): ShutdownHook =>
    typeof hook === 'function' ? { name: hook.name || `step ${index + 1}`, run: hook } : hook,
  );
  let running: Promise<number> | undefined;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    void shutdown(signal);
  };
  const dispose = (): void => {
    for (const signal of signals) signalSource.off(signal, onSignal);
  };

  const shutdown = (reason = 'requested'): Promise<number> => {
    running ??= (async () => {
      logger.info({ reason, steps: hooks.map((hook) => hook.name) }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          logger.error({ timeoutMs }, 'shutdown timed out');
          resolve(1);
        }, timeoutMs);
        timer.unref();
      });
      const code = await Promise.race([runHooks(hooks, logger), timedOut]);
      clearTimeout(timer);
      logger.info({ exitCode: code }, 'shutdown complete');
      // Done: a later signal needs no handler of ours (and an injected `exit` leaves the process alive).
      dispose();
      exit(code);
      return code;
    })();
    return running;
  };

  for (const signal of signals) signalSource.on(signal, onSignal);
  return { shutdown, dispose };
}

async function runHooks(hooks: readonly ShutdownHook[], logger: Logger): Promise<number> {
  let code = 0;
  for (const hook of hooks) {
    const startedAt = performance.now();
    try {
      await hook.run();
      logger.info({ step: hook.name, duration_ms: Math.round(performance.now() - startedAt) }, 'shutdown step done');
    } catch (error) {
      code = 1;
      logger.error({ step: hook.name, err: error }, 'shutdown step failed');
    }
  }
  return code;
}
