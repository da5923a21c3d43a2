import type { RuleGroup } from './slo-rules';

/**
 * The rule groups as a Prometheus rule file. The shape is fixed (groups → rules → a few string maps), so
 * this writes it directly: every scalar is single-quoted, where YAML treats nothing as special except a
 * doubled quote, so PromQL's double quotes and braces stay readable. promtool parses the result in CI.
 */
export function renderRulesYaml(groups: readonly RuleGroup[], header: readonly string[]): string {
  const q = (value: string) => {
    if (/[\n\r]/.test(value)) throw new Error(`A rule file scalar must be one line: ${value}`);
    return `'${value.replace(/'/g, "''")}'`;
  };
  const lines = [...header.map((line) => `# ${line}`), 'groups:'];
  for (const group of groups) {
    lines.push(`  - name: ${q(group.name)}`, '    rules:');
    for (const rule of group.rules) {
      lines.push('record' in rule ? `      - record: ${q(rule.record)}` : `      - alert: ${q(rule.alert)}`);
      lines.push(`        expr: ${q(rule.expr)}`);
      const maps: [string, Record<string, string>][] =
        'annotations' in rule
          ? [
              ['labels', rule.labels],
              ['annotations', rule.annotations],
            ]
          : [['labels', rule.labels]];
      for (const [key, map] of maps) {
        lines.push(`        ${key}:`, ...Object.entries(map).map(([name, value]) => `          ${name}: ${q(value)}`));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
