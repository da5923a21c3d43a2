import type { DestinationStream } from 'pino';

/** A pino destination that keeps every line, parsed, for assertions. */
export interface CapturedLogs extends DestinationStream {
  readonly raw: string[];
  lines(): Array<Record<string, unknown>>;
}

export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  return {
    raw,
    write(line: string) {
      raw.push(line);
    },
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
