/**
 * The metric and label names a PromQL expression (or a Grafana `label_values(...)` variable query)
 * refers to — enough PromQL to check dashboards against the metrics that exist, not a parser.
 */

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const IDENTIFIER = /(?<![\w.:$])[a-zA-Z_:][\w:]*/g;

export interface PromqlReferences {
  metrics: string[];
  labels: string[];
}

export function promqlReferences(expression: string): PromqlReferences {
  const labels: string[] = [];
  let expr = expression;
  const variableQuery = /^label_values\((.*),\s*([\w]+)\)$/.exec(expr.trim());
  if (variableQuery) {
    labels.push(variableQuery[2] ?? '');
    expr = variableQuery[1] ?? '';
  }
  // Label matchers: {name="value", name!~"regex"} — the names are labels, the values are not names at all.
  expr = expr.replace(/\{([^}]*)\}/g, (_match, body: string) => {
    for (const matcher of body.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)) labels.push(matcher[1] ?? '');
    return ' ';
  });
  expr = expr.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  expr = expr.replace(GROUPING, (_match, list: string) => {
    labels.push(
      ...list
        .split(',')
        .map((label) => label.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const metrics = [...expr.matchAll(IDENTIFIER)]
    .filter((match) => !/^\s*\(/.test(expr.slice((match.index ?? 0) + match[0].length)))
    .map((match) => match[0])
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}
