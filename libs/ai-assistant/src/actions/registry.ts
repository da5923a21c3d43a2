import type { AnyAction } from './action';
import { SCHEDULABLE_ACTIONS } from './schedulable';
import { scheduleTasks } from './schedule-tasks/schedule-tasks';

/** Every action the assistant runs, by name. */
export const ACTIONS: readonly AnyAction[] = [...SCHEDULABLE_ACTIONS, scheduleTasks];

export function actionRegistry(actions: readonly AnyAction[] = ACTIONS): ReadonlyMap<string, AnyAction> {
  return new Map(actions.map((action) => [action.name, action]));
}
