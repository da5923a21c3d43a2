import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What the profiling tools read of a V8 `.cpuprofile` (written by `node --cpu-prof`). */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface Profile {
  /** CLOCK_MONOTONIC µs, like `process.hrtime` in any process of the machine. */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The newest profile in `outDir` (the one the gateway just wrote when it stopped), with its path. */
export function readNewestProfile(outDir: string): { file: string; profile: Profile } {
  const file = readdirSync(outDir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(outDir, name))
    .sort()
    .pop();
  if (!file) throw new Error(`no profile written in ${outDir}`);
  return { file, profile: JSON.parse(readFileSync(file, 'utf8')) as Profile };
}
