import type { AnyAction } from './action';
import { analyzeUsage } from './analyze-usage/analyze-usage';
import { monitorAlerts } from './monitor-alerts/monitor-alerts';
import { generateInsights } from './generate-insights/generate-insights';
import { optimizeCosts } from './optimize-costs/optimize-costs';
import { optimizePerformance } from './optimize-performance/optimize-performance';
import { predictChurn } from './predict-churn/predict-churn';

/** Every action the assistant runs, by name. */
export const ACTIONS: readonly AnyAction[] = [
  analyzeUsage,
  optimizeCosts,
  predictChurn,
  generateInsights,
  optimizePerformance,
  monitorAlerts,
];

export function actionRegistry(actions: readonly AnyAction[] = ACTIONS): ReadonlyMap<string, AnyAction> {
  return new Map(actions.map((action) => [action.name, action]));
}
