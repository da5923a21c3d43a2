// `npm start` runs this first (prestart), on whatever Node is on PATH, before anything that needs
// Node 22 loads (tsx, OpenTelemetry, http-proxy-middleware): plain CommonJS that any Node can parse.
'use strict';

const REQUIRED = [22, 12];
const FIX = 'export PATH="$(bash scripts/ensure-node.sh):$PATH"';

/** The message for a Node that is too old, or null when `version` (e.g. "20.19.0") is recent enough. */
function nodeVersionProblem(version) {
  const [major, minor] = version.split('.').map(Number);
  if (major > REQUIRED[0] || (major === REQUIRED[0] && minor >= REQUIRED[1])) return null;
  return [
    `Tenantry needs Node.js >= ${REQUIRED.join('.')}; this is Node.js ${version}.`,
    `Run this (it installs Node 24 from the npm registry once, then uses it), then npm start again:`,
    `  ${FIX}`,
  ].join('\n');
}

module.exports = { nodeVersionProblem };

if (require.main === module) {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    process.stderr.write(`\n${problem}\n\n`);
    process.exit(1);
  }
}
