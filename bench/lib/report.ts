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
  /**
   * When the variants alternated in rounds (A B A B): the median of the per-round ratios, shown instead
   * of subjectValue / baselineValue (which are then the variants' median rates).
   */
  value?: number;
  /** A target of MISSION §7: the ratio should be at least this. */
  atLeast?: number;
}

/** A target of MISSION §7 that is not a throughput ratio (added latency, connections per request, …). */
export interface Target {
  label: string;
  measured: string;
  goal: string;
  met: boolean;
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

const checkMark = (check: Check, ok: string, unverified: string, failed: string): string =>
  check.ok ? ok : check.unverified ? unverified : failed;

export interface ScenarioResult {
  id: string;
  title: string;
  measurements: Measurement[];
  ratios: Ratio[];
  facts: Fact[];
  checks: Check[];
  /** MISSION §7 targets other than ratios (reported, never a failure of the run: timing is noisy here). */
  targets: Target[];
  notes: string[];
  elapsedMs: number;
  error?: string;
}

export const ratioValue = (ratio: Ratio): number =>
  ratio.value ?? (ratio.baselineValue > 0 ? ratio.subjectValue / ratio.baselineValue : Number.NaN);

const verdict = (met: boolean): string => (met ? 'met' : 'MISSED');

/** "≥ 0.60×: met" for a ratio with a target, '' otherwise. */
function ratioTarget(ratio: Ratio): string {
  if (ratio.atLeast === undefined) return '';
  return `≥ ${formatRatio(ratio.atLeast)}: ${verdict(ratioValue(ratio) >= ratio.atLeast)}`;
}

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

const ratioHeader = (withTargets: boolean): string[] => [
  'ratio',
  'value',
  'measured',
  'baseline (same run)',
  ...(withTargets ? ['target'] : []),
];

function ratioTable(result: ScenarioResult, withTargets = result.ratios.some((r) => r.atLeast !== undefined)): Table {
  return {
    header: ratioHeader(withTargets),
    rows: result.ratios.map((r) => [
      r.label,
      formatRatio(ratioValue(r)),
      `${r.subject}: ${formatNumber(r.subjectValue)} ${r.unit}`,
      `${r.baseline}: ${formatNumber(r.baselineValue)} ${r.unit}`,
      ...(withTargets ? [ratioTarget(r)] : []),
    ]),
  };
}

function targetTable(targets: ReadonlyArray<Target & { id?: string }>, withId = false): Table {
  return {
    header: [...(withId ? ['scenario'] : []), 'target (MISSION §7)', 'measured', 'goal', 'verdict'],
    rows: targets.map((t) => [...(withId ? [t.id ?? ''] : []), t.label, t.measured, t.goal, verdict(t.met)]),
  };
}

function textTable({ header, rows }: Table): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable({ header, rows }: Table): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${header.map(escape).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export function renderText(result: ScenarioResult): string {
  const parts = [`\n== ${result.id}. ${result.title} (${(result.elapsedMs / 1000).toFixed(1)} s)`];
  if (result.error) parts.push(`FAILED: ${result.error}`);
  if (result.measurements.length > 0) parts.push(textTable(measurementTable(result)));
  if (result.ratios.length > 0) parts.push('', textTable(ratioTable(result)));
  if (result.targets.length > 0) parts.push('', textTable(targetTable(result.targets)));
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
  if (result.targets.length > 0) parts.push(markdownTable(targetTable(result.targets)), '');
  for (const fact of result.facts) parts.push(`- ${fact.label}: ${fact.value}`);
  for (const check of result.checks) parts.push(`- ${checkMark(check, '✅', '⚠️ unverified:', '❌')} ${check.label}: ${check.detail}`);
  for (const note of result.notes) parts.push(`- _Note:_ ${note}`);
  parts.push('', `_Scenario time: ${(result.elapsedMs / 1000).toFixed(1)} s._`, '');
  return parts.join('\n');
}

/**
 * Every ratio of the run in one table (the summary at the top of BENCHMARKS.md and of the output), and
 * every MISSION §7 target (ratio goals included) in another, when there are any.
 */
export function ratioSummary(results: readonly ScenarioResult[]): { text: string; markdown: string } {
  const withTargets = results.some((result) => result.ratios.some((r) => r.atLeast !== undefined));
  const table: Table = {
    header: ['scenario', ...ratioHeader(withTargets)],
    rows: results.flatMap((result) => ratioTable(result, withTargets).rows.map((row) => [result.id, ...row])),
  };
  const targets = results.flatMap((result) => [
    ...result.ratios
      .filter((r) => r.atLeast !== undefined)
      .map((r) => ({
        id: result.id,
        label: r.label,
        measured: formatRatio(ratioValue(r)),
        goal: `≥ ${formatRatio(r.atLeast ?? 0)}`,
        met: ratioValue(r) >= (r.atLeast ?? 0),
      })),
    ...result.targets.map((t) => ({ ...t, id: result.id })),
  ]);
  if (targets.length === 0) return { text: textTable(table), markdown: markdownTable(table) };
  const met = targets.filter((t) => t.met).length;
  const heading = `Targets (MISSION §7): ${met} of ${targets.length} met`;
  const targetsTable = targetTable(targets, true);
  return {
    text: `${textTable(table)}\n\n${heading}\n${textTable(targetsTable)}`,
    markdown: `${markdownTable(table)}\n\n#### ${heading}\n\n${markdownTable(targetsTable)}`,
  };
}
