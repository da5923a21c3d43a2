import type { DestinationStream } from 'pino';

export interface CapturedLine {
  level: string;
  msg: string;
}

/**
 * Where the bench's library logger writes (level warn): the lines are kept, not printed, and each
 * scenario reports the warnings and errors the libraries logged while it ran.
 */
export class LogCapture implements DestinationStream {
  private readonly lines: CapturedLine[] = [];

  write(line: string): void {
    try {
      const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
      this.lines.push({ level: String(parsed.level ?? '?'), msg: String(parsed.msg ?? line) });
    } catch {
      this.lines.push({ level: '?', msg: line.trim() });
    }
  }

  /** A position to read from later with `since`. */
  mark(): number {
    return this.lines.length;
  }

  since(mark: number): CapturedLine[] {
    return this.lines.slice(mark);
  }
}

/** "3 warn lines: 'Could not commit' ×2, 'Consumer crashed' ×1" (distinct messages, most frequent first). */
export function summarizeLines(lines: readonly CapturedLine[], what = 'library log line(s)'): string | undefined {
  if (lines.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const line of lines) {
    const key = `${line.level}: ${line.msg}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return `${lines.length} ${what} at warn or above: ${top.map(([message, count]) => `"${message}" ×${count}`).join('; ')}`;
}
