// Lints source texts as if they were files at the given paths, without writing them.
// stdin: [{ "filePath": "...", "code": "..." }]; stdout: [{ "filePath": "...", "messages": [{ ruleId, message }] }]
// Used by module-boundaries.spec.ts (ESLint's config loader needs real ESM, which Jest's VM lacks).
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push({ filePath, messages: (result?.messages ?? []).map(({ ruleId, message }) => ({ ruleId, message })) });
}
process.stdout.write(JSON.stringify(results));
