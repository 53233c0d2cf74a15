import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { projectRoot } from '../support/project-root';

/** Debian's Chromium (apt-get install chromium); CHROMIUM_PATH overrides. No browser download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined. Outside CI a machine without Chromium skips
 * them with this reason; CI (.ci/run installs Chromium) runs them or fails.
 */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return undefined;
  return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

/** Screenshots of the console, kept out of git (.gitignore): the CI run's artifacts. */
export const ARTIFACTS = path.join(projectRoot(), 'test-artifacts', 'console');

export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page: any is a failure. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** One headless Chromium page, with every console error and page error recorded. */
export async function openConsoleBrowser(options: { locale?: string; timezoneId?: string } = {}): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({
    acceptDownloads: true,
    locale: options.locale ?? 'en-GB',
    timezoneId: options.timezoneId ?? 'Europe/Berlin',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    context,
    page,
    errors,
    async screenshot(name: string) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

/**
 * Waits until `expression` is true in the page. Polled with page.evaluate, which the page's
 * Content-Security-Policy does not govern: Playwright's waitForFunction evaluates its predicate
 * in the page and is refused there (no 'unsafe-eval').
 */
export async function until(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
