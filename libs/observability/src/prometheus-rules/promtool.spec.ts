import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isCi } from '@tenantry/testing';
import { SLO_RULES_FILE } from './rules-file';

const run = promisify(execFile);
// promtool evaluates every rule at each step of each test: seconds alone, more on a busy machine.
jest.setTimeout(120_000);
const PROMETHEUS_DIR = path.dirname(path.dirname(SLO_RULES_FILE));
const TESTS_DIR = path.join(PROMETHEUS_DIR, 'tests');

/** Whether promtool runs here, decided before the suite is declared (so a missing one skips visibly, not silently passes). */
function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** promtool's output on failure says which alert or sample differed: show it, not only the exit code. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: PROMETHEUS_DIR });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

/**
 * The generated rules through Prometheus' own tool: they parse, the config loads them, and the unit tests
 * in infra/prometheus/tests (series that must fire each page and ticket alert, and series that must not)
 * pass. CI installs promtool (.ci/run); under CI=true a missing promtool fails the suite.
 */
const available = hasPromtool();
if (!available && !isCi()) {
  process.stderr.write(
    '\n*** SKIPPED the promtool checks: promtool is not installed (apt-get download prometheus && dpkg -x, see .ci/run)\n\n',
  );
}
const describePromtool = available || isCi() ? describe : describe.skip;

describePromtool('the SLO rules under promtool', () => {
  beforeAll(() => {
    if (!available)
      throw new Error('promtool is not installed: .ci/run installs it from Debian\'s "prometheus" package (CI=true never skips)');
  });

  it('when the rule file is checked, then it parses and prometheus.yml loads it', async () => {
    expect(await promtool('check', 'rules', path.relative(PROMETHEUS_DIR, SLO_RULES_FILE))).toMatch(/SUCCESS: \d+ rules found/);
    expect(await promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('when the unit tests run, then every alert fires on its series and stays silent on the others', async () => {
    const files = readdirSync(TESTS_DIR).filter((file) => file.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(0);
    expect(await promtool('test', 'rules', ...files.map((file) => path.join('tests', file)))).toMatch(/SUCCESS/);
  });
});
