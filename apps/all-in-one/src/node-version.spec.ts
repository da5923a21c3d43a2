import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/check-node-version.cjs');
const { nodeVersionProblem } = require(SCRIPT) as { nodeVersionProblem: (version: string) => string | null };

describe('npm start on an old Node.js (prestart: scripts/check-node-version.cjs)', () => {
  it.each(['20.19.0', '22.11.0', '18.20.4'])(
    'when Node.js is %s, then it stops naming the version and the command that fixes it',
    (version) => {
      const problem = nodeVersionProblem(version);
      expect(problem).toContain(`this is Node.js ${version}`);
      expect(problem).toContain('>= 22.12');
      expect(problem).toContain('export PATH="$(bash scripts/ensure-node.sh):$PATH"');
    },
  );

  it.each(['22.12.0', '23.0.0', '24.21.0'])('when Node.js is %s, then it lets the start go on', (version) => {
    expect(nodeVersionProblem(version)).toBeNull();
  });

  it('when run by this Node.js, then it exits 0 and says nothing', () => {
    expect(execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8', stdio: 'pipe' })).toBe('');
  });
});
