import type { LatencySummary } from './measure';

/** One measured variant of a scenario. */
export interface Measurement {
  label: string;
  events: number;
  elapsedMs: number;
  eventsPerSec: number;
  /** What the latency percentiles measure (e.g. "publish call → broker ack"). */
  latency?: LatencySummary & { of: string };
  note?: string;
}

/** subject / baseline, both measured in this run. */
export interface Ratio {
  label: string;
  subject: string;
  subjectValue: number;
  baseline: string;
  baselineValue: number;
  unit: string;
}

export interface Fact {
  label: string;
  value: string;
}

export interface Check {
  label: string;
  ok: boolean;
  /** Could not be decided within the scenario's time bound (e.g. a backlog still draining): reported, not failed. */
  unverified?: boolean;
  detail: string;
}

const checkMark = (check: Check, ok: string, unverified: string, failed: string): string => (check.ok ? ok : check.unverified ? unverified : failed);

export interface ScenarioResult {
  id: string;
  title: string;
  measurements: Measurement[];
  ratios: Ratio[];
  facts: Fact[];
  checks: Check[];
  notes: string[];
  elapsedMs: number;
  error?: string;
}

export const ratioValue = (ratio: Ratio): number => (ratio.baselineValue > 0 ? ratio.subjectValue / ratio.baselineValue : Number.NaN);

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${formatNumber(ms)} ms`;
}

export const formatRatio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(value < 0.1 ? 3 : 2)}×` : '–');

type Table = { header: string[]; rows: string[][] };

function measurementTable(result: ScenarioResult): Table {
  return {
    header: ['variant', 'events', 'time', 'events/s', 'p50', 'p99', 'latency of', 'note'],
    rows: result.measurements.map((m) => [
      m.label,
      formatNumber(m.events),
      formatMs(m.elapsedMs),
      formatNumber(m.eventsPerSec),
      m.latency ? formatMs(m.latency.p50Ms) : '',
      m.latency ? formatMs(m.latency.p99Ms) : '',
      m.latency?.of ?? '',
      m.note ?? '',
    ]),
  };
}

function ratioTable(result: ScenarioResult): Table {
  return {
    header: ['ratio', 'value', 'measured', 'baseline (same run)'],
    rows: result.ratios.map((r) => [
      r.label,
      formatRatio(ratioValue(r)),
      `${r.subject}: ${formatNumber(r.subjectValue)} ${r.unit}`,
      `${r.baseline}: ${formatNumber(r.baselineValue)} ${r.unit}`,
    ]),
  };
}

function textTable({ header, rows }: Table): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable({ header, rows }: Table): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return [`| ${header.map(escape).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

export function renderText(result: ScenarioResult): string {
  const parts = [`\n== ${result.id}. ${result.title} (${(result.elapsedMs / 1000).toFixed(1)} s)`];
  if (result.error) parts.push(`FAILED: ${result.error}`);
  if (result.measurements.length > 0) parts.push(textTable(measurementTable(result)));
  if (result.ratios.length > 0) parts.push('', textTable(ratioTable(result)));
  for (const fact of result.facts) parts.push(`  ${fact.label}: ${fact.value}`);
  for (const check of result.checks) parts.push(`  [${checkMark(check, 'ok', 'UNVERIFIED', 'FAIL')}] ${check.label}: ${check.detail}`);
  for (const note of result.notes) parts.push(`  note: ${note}`);
  return parts.join('\n') + '\n';
}

export function renderMarkdown(result: ScenarioResult): string {
  const parts = [`### ${result.id}. ${result.title}`, ''];
  if (result.error) parts.push(`**FAILED:** ${result.error}`, '');
  if (result.measurements.length > 0) parts.push(markdownTable(measurementTable(result)), '');
  if (result.ratios.length > 0) parts.push(markdownTable(ratioTable(result)), '');
  for (const fact of result.facts) parts.push(`- ${fact.label}: ${fact.value}`);
  for (const check of result.checks) parts.push(`- ${checkMark(check, '✅', '⚠️ unverified:', '❌')} ${check.label}: ${check.detail}`);
  for (const note of result.notes) parts.push(`- _Note:_ ${note}`);
  parts.push('', `_Scenario time: ${(result.elapsedMs / 1000).toFixed(1)} s._`, '');
  return parts.join('\n');
}

/** Every ratio of the run in one table: the summary at the top of BENCHMARKS.md and of the output. */
export function ratioSummary(results: readonly ScenarioResult[]): { text: string; markdown: string } {
  const table: Table = {
    header: ['scenario', 'ratio', 'value', 'measured', 'baseline (same run)'],
    rows: results.flatMap((result) => ratioTable(result).rows.map((row) => [result.id, ...row])),
  };
  return { text: textTable(table), markdown: markdownTable(table) };
}
