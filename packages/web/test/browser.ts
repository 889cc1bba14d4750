// Headless Chromium for the console's browser tests: Debian's `chromium`
// (scripts/ensure-chromium.sh installs it and prints its path; scripts/test.sh
// exports that as LARS_CHROMIUM), driven by playwright-core. No chromium is
// an error, never a skip: a browser test that did not run did not pass.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';

/** Where every run saves its page screenshots (git-ignored, under var/). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'var', 'screenshots');

/** LARS_CHROMIUM, else `chromium` (or `chromium-browser`) on PATH, else null. */
export function chromiumPath(): string | null {
  const fromEnv = process.env.LARS_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch (err) {
    // Missing or not executable: not this one. Anything else is a real problem.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/** Launches headless chromium, and how long the launch took (ms). */
export async function launchBrowser(): Promise<{ browser: Browser; launchMs: number }> {
  const executablePath = chromiumPath();
  if (executablePath === null) {
    throw new Error(
      'no chromium for the browser tests: run `bash scripts/ensure-chromium.sh` (it installs Debian chromium) ' +
        'and set LARS_CHROMIUM to the path it prints last, or put chromium on PATH',
    );
  }
  const started = performance.now();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  return { browser, launchMs: performance.now() - started };
}

/** Saves a full-page screenshot of `page` as var/screenshots/NAME.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Logs `name` in through the /login form of the console at `url`; resolves on the page login redirects to. */
export async function logIn(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('main input[name="name"]', name);
  await page.fill('main input[name="password"]', password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('main button[type="submit"]')]);
}
