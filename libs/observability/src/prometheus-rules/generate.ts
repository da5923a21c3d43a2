import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatedSloRules, SLO_RULES_FILE } from './rules-file';

/** `npm run rules:generate`: rewrites infra/prometheus/rules/slos.rules.yml from the SLO definitions. */
mkdirSync(path.dirname(SLO_RULES_FILE), { recursive: true });
writeFileSync(SLO_RULES_FILE, generatedSloRules());
process.stdout.write(`wrote ${path.relative(process.cwd(), SLO_RULES_FILE)}\n`);
