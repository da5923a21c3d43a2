import { existsSync } from 'node:fs';
import { isCi } from './infra';

/** Debian's `chromium` (or CHROMIUM_PATH): playwright-core drives it; its own browser download cannot work here. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const HOW_TO_INSTALL = 'Install it: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH).';

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env['CHROMIUM_PATH'];
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

/**
 * `describe` for a suite that needs a real headless browser: skipped with a loud notice locally when
 * Chromium is missing, and FAILING under CI=true (.ci/run installs it).
 */
export function describeWithChromium(title: string, body: (executablePath: string) => void): void {
  const executablePath = chromiumPath();
  if (executablePath) {
    describe(title, () => body(executablePath));
    return;
  }
  if (isCi()) {
    describe(title, () => {
      it('has the headless Chromium it needs (CI=true never skips)', () => {
        throw new Error(`Browser suite "${title}" cannot run: Chromium is missing. ${HOW_TO_INSTALL}`);
      });
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPED browser suite "${title}": Chromium is missing. ${HOW_TO_INSTALL}\n\n`);
  describe.skip(title, () => body(''));
}
