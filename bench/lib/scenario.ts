import type { BenchContext } from './context';
import type { ScenarioResult } from './report';

/**
 * One benchmark scenario. `run` fills `result` as it goes, so whatever was measured before a failure
 * is still reported; it must release everything it opened (finally), and bound every loop by count
 * and time.
 */
export interface Scenario {
  id: string;
  title: string;
  /**
   * The scenario runs on servers of its own (the gateway scenarios), not on the run's shared Kafka and
   * database: the runner then leaves those out of the scenario's resource line.
   */
  ownInfra?: boolean;
  run(ctx: BenchContext, result: ScenarioResult): Promise<void>;
}

/** Scales event counts for a quicker (BENCH_SCALE=0.2) or longer run; time bounds stay as they are. */
export function scaled(count: number): number {
  const scale = Number(process.env['BENCH_SCALE'] ?? '1');
  return Math.max(100, Math.round(count * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
