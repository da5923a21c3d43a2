import path from 'node:path';
import { renderRulesYaml } from './rules-yaml';
import { rulesFileHeader, sloRuleGroups } from './slo-rules';

/** Where the generated rules live, loaded by infra/prometheus/prometheus.yml. */
export const SLO_RULES_FILE = path.resolve(__dirname, '../../../../infra/prometheus/rules/slos.rules.yml');

/** The content the committed rules file must have. */
export function generatedSloRules(): string {
  return renderRulesYaml(sloRuleGroups(), rulesFileHeader());
}
