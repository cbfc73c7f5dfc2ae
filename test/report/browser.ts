/**
 * Headless Chromium for the HTML report's tests: Debian's `chromium` package driven by
 * playwright-core (never `npx playwright install`, which downloads a browser build). `.ci/run`
 * installs the package when it is missing; on a developer machine without it the browser tests
 * skip and say how to get it, and in CI (env CI set) they fail instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';

export const CHROMIUM = process.env.KHARDEN_CHROMIUM ?? '/usr/bin/chromium';
export const browserPresent = fs.existsSync(CHROMIUM);
export const BROWSER_ABSENT = `${CHROMIUM} is absent: install Debian's chromium (sudo apt-get install -y chromium) or set KHARDEN_CHROMIUM to a Chromium binary to run the HTML report's browser test`;

/**
 * The browser tests: run when Chromium is there, and in CI (where its absence is a failure, not a
 * skip); elsewhere skipped, with the reason as the test's name.
 */
export function browserTest(title: string): { run: boolean; name: string } {
  if (browserPresent) return { run: true, name: title };
  if (process.env.CI) return { run: true, name: `${title} (CI: fails, ${CHROMIUM} is absent)` };
  return { run: false, name: `SKIPPED: ${title}: ${BROWSER_ABSENT}` };
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Opens a local file in a fresh browser profile; `requests` collects every URL the page asked for. */
export async function openPage(file: string): Promise<{ page: Page; requests: string[]; close: () => Promise<void> }> {
  if (!browserPresent) throw new Error(`CI is set and ${BROWSER_ABSENT}; .ci/run should have installed it`);
  // A fresh profile each time: playwright passes it as --user-data-dir (it refuses that flag in args).
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return {
    page,
    requests,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
      // A script error or a CSP violation in the page fails the test that opened it.
      if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    },
  };
}
