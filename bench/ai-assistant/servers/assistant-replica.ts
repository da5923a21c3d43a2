/**
 * An ai-assistant replica for A1/A2, run as a child process by the bench:
 *   node --import tsx --import ./libs/platform/telemetry/src/register.ts bench/ai-assistant/servers/assistant-replica.ts
 * The service exactly as apps/ai-assistant/src/main.ts runs it (runServices, configured from the
 * environment: KAFKA_BROKERS, MONGODB_URI, ASSISTANT_*), plus the bench's CPU-bound action
 * (compute-action.ts), except that its task worker claims nothing until the process gets SIGUSR2: the
 * bench fills the queue first, then starts every replica's worker at once.
 */
import { runServices } from '@tenantry/runtime';
/* The bench (type:testing) runs the assistant service as its app does. */
/* eslint-disable @nx/enforce-module-boundaries */
import { ACTIONS } from '../../../libs/ai-assistant/src/actions/registry';
import { assistantServiceWith } from '../../../libs/ai-assistant/src/ai-assistant-service';
import type { TaskWorker } from '../../../libs/ai-assistant/src/queue/task-worker';
/* eslint-enable @nx/enforce-module-boundaries */
import { analyzeSeriesAction } from '../compute-action';

const workers: TaskWorker[] = [];
process.on('SIGUSR2', () => {
  for (const worker of workers) worker.start();
});

void runServices(
  [assistantServiceWith({ actions: [...ACTIONS, analyzeSeriesAction], startWorker: false, onWorker: (worker) => workers.push(worker) })],
  { processName: 'ai-assistant' },
).catch(() => process.exit(1));
