/* The bench (type:testing) runs the assistant's own analysis code. */
/* eslint-disable @nx/enforce-module-boundaries */
import { defineAction } from '../../libs/ai-assistant/src/actions/action';
import { analyzeSeries } from '../../libs/ai-assistant/src/actions/analyze-usage/analyze-usage';
/* eslint-enable @nx/enforce-module-boundaries */
import { z } from 'zod';

const DAY_MS = 86_400_000;

/**
 * `bench_analyze_series` (bench replicas only): analyze_usage's computation (Theil–Sen trend, robust z,
 * EWMA, seasonality, quota pressure) over a `days`-long daily series generated from `seed`, held in
 * memory: the work is CPU in the worker (Theil–Sen is O(days²): ≈ 266,000 slopes for two years),
 * nothing read from the database. What the queue and its workers do when the database is not the bound.
 */
export const analyzeSeriesAction = defineAction({
  name: 'bench_analyze_series',
  summary: 'analyze_usage’s statistics over a generated series (bench only)',
  parameters: z.strictObject({ days: z.number().int().min(1).max(2_000), seed: z.number().int().nonnegative() }),
  requiredFeature: 'ai_assistant',
  reads: [],
  async load(context, parameters) {
    await context.progress(10, 'generating the series');
    const end = Date.parse(context.now.toISOString().slice(0, 10));
    const series = Array.from({ length: parameters.days }, (_, d) => {
      const day = new Date(end - (parameters.days - 1 - d) * DAY_MS).toISOString().slice(0, 10);
      const weekly = [0.6, 1.2, 1.1, 1.0, 1.0, 0.9, 0.5][new Date(end - (parameters.days - 1 - d) * DAY_MS).getUTCDay()] ?? 1;
      const noise = ((parameters.seed * 7919 + d * 104_729) % 97) - 48;
      const requests = Math.max(0, Math.round((1_000 + 2 * d + noise * 5) * weekly + (d % 53 === parameters.seed % 53 ? 5_000 : 0)));
      return { day, requests, errors: Math.round(requests * 0.01), rate_limited: 0, cache_hits: Math.round(requests * 0.6) };
    });
    return { series, from: series[0]?.day ?? null, to: series[series.length - 1]?.day ?? '', plan_id: 'enterprise' as const };
  },
  compute(inputs, parameters) {
    const analysis = analyzeSeries(inputs, { lookback_days: Math.min(365, parameters.days) });
    // The answer without the per-day figures: the task document stays small.
    return { trend: analysis.trend, anomalies: analysis.anomalies.length, seasonality: analysis.seasonality, summary: analysis.summary };
  },
});
