import { z } from 'zod';
import { defineAction, type AnyAction } from '../actions/action';

/**
 * A test action that takes `steps × step_ms` (reporting progress at each step, where cancellation and a
 * lost lease stop it), and counts how often each task's run reached its end: "ran to completion once".
 */
export function slowAction(): { action: AnyAction; completions: Map<string, number> } {
  const completions = new Map<string, number>();
  const action = defineAction({
    name: 'test_slow',
    summary: 'Waits step by step (tests only)',
    parameters: z.strictObject({
      steps: z.number().int().min(1).max(1000),
      step_ms: z.number().int().min(0).max(10_000),
      label: z.string(),
    }),
    requiredFeature: 'ai_assistant',
    reads: [],
    async load(context, parameters) {
      for (let step = 1; step <= parameters.steps; step += 1) {
        await waitOrAbort(parameters.step_ms, context.signal);
        await context.progress(Math.floor((step / parameters.steps) * 90), `step ${step} of ${parameters.steps}`);
      }
      return parameters.label;
    },
    compute(label: string) {
      completions.set(label, (completions.get(label) ?? 0) + 1);
      return { label };
    },
  });
  return { action, completions };
}

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
