import { z } from 'zod';
import { windowSeconds } from '../slo-definitions/definitions';

/** The longest window a metrics query may cover: what the hour rollups keep. */
export const MAX_WINDOW_SECONDS = 35 * 86_400;

export const windowQuerySchema = z
  .string()
  .regex(/^\d{1,4}[mhd]$/, 'a duration such as 5m, 1h or 7d')
  .refine((window) => windowSeconds(window) > 0 && windowSeconds(window) <= MAX_WINDOW_SECONDS, 'between 1m and 35d')
  .default('1h')
  .describe('How far back from now: 5m, 1h, 24h, 7d … (at most 35d)');

export function windowBounds(window: string, now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - windowSeconds(window) * 1000), to: now };
}
