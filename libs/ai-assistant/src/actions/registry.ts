import type { AnyAction } from './action';
import { automateSupport } from './automate-support/automate-support';
import { SCHEDULABLE_ACTIONS } from './schedulable';
import { scheduleTasks } from './schedule-tasks/schedule-tasks';

/** Every action the assistant runs, by name. */
// automate_support answers one ticket: nothing to repeat on a schedule.
export const ACTIONS: readonly AnyAction[] = [...SCHEDULABLE_ACTIONS, scheduleTasks, automateSupport];

export function actionRegistry(actions: readonly AnyAction[] = ACTIONS): ReadonlyMap<string, AnyAction> {
  return new Map(actions.map((action) => [action.name, action]));
}
