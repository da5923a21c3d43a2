import type { AnyAction } from './action';
import { analyzeUsage } from './analyze-usage/analyze-usage';
import { generateInsights } from './generate-insights/generate-insights';
import { monitorAlerts } from './monitor-alerts/monitor-alerts';
import { optimizeCosts } from './optimize-costs/optimize-costs';
import { optimizePerformance } from './optimize-performance/optimize-performance';
import { predictChurn } from './predict-churn/predict-churn';

/** The actions that answer from the platform's data: each may also run on a schedule (schedule_tasks). */
export const SCHEDULABLE_ACTIONS: readonly AnyAction[] = [
  analyzeUsage,
  optimizeCosts,
  predictChurn,
  generateInsights,
  optimizePerformance,
  monitorAlerts,
];
