// The browser for the end-to-end tests. Playwright's own browser download needs the internet;
// a distribution's Chromium does not. Order: CHROMIUM_PATH; /usr/bin/chromium (or chromium-browser);
// as root on Debian or Ubuntu, `apt-get install chromium`; else Playwright's download.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall } from './processes.ts';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium to drive, or undefined when Playwright's own downloaded browser is to be used. */
export function ensureChromium(say: (line: string) => void): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv;
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  if (aptInstall(['chromium'], say)) {
    const installed = candidates.find((path) => existsSync(path));
    if (installed) return installed;
  }
  say('no Chromium found: asking Playwright to download its own (needs internet access)…');
  spawnSync(join(import.meta.dirname, '..', 'node_modules', '.bin', 'playwright'), ['install', 'chromium'], { stdio: 'inherit' });
  return undefined;
}
