import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';

/**
 * The browser tests' harness: Debian's Chromium (never a downloaded browser: playwright-core downloads nothing by
 * itself) driven headless by playwright-core against the local platform the e2e global setup runs, a fresh context per
 * test file, a sign-in through the console's own page, and a record of everything that went wrong in the page (an
 * uncaught error, a Content-Security-Policy violation, a request that failed or an answer of 5xx) so that a journey
 * fails on it even when the page looks right.
 */

/** Where the browser is: `CHROMIUM_PATH`, else Debian's package's path (`infra/scripts/ensure-deps.mjs` installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The console's desktop size, also the screenshots' (`infra/scripts/console-screenshots.ts`). */
export const VIEWPORT = { width: 1280, height: 800 };

/**
 * Launches headless Chromium. As root (a CI container) Chromium refuses to start with its sandbox, so it goes without
 * one there only.
 */
export async function launchBrowser(): Promise<Browser> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: root ? ['--no-sandbox'] : [] });
}

/**
 * The platform's URL with host `localhost`: the console's origin must be a secure context for its `Secure`, `__Host-`
 * cookie, which Chromium grants `http://localhost` and not `http://127.0.0.1`, and `127.0.0.1` is then free to play a
 * second site in the cross-site tests.
 */
export function localhostUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.hostname = 'localhost';
  return url.origin;
}

/** The console's address on the platform (`/admin/`); a page is a hash route, e.g. `consoleUrl(base, '#/orders')`. */
export function consoleUrl(baseUrl: string, hash = ''): string {
  return `${localhostUrl(baseUrl)}/admin/${hash}`;
}

/**
 * Reported to the test through the console: Chromium logs a CSP violation as a console error too, but in words that
 * change between versions, and this names the directive and what was blocked.
 */
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline code') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

/**
 * A browser context of its own (cookies, storage) and its page, with what went wrong in it collected in `problems`.
 * An API's 4xx answer is not a problem: pages show it (Chromium's "Failed to load resource: ... 4xx" console line is
 * left out); a 5xx is.
 */
export class ConsoleSession {
  /** Everything that went wrong in the page so far, one line each. */
  readonly problems: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('pageerror', (error) => this.problems.push(`uncaught ${error.name}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
      this.problems.push(`console error: ${text}`);
    });
    page.on('requestfailed', (request) => this.problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? 'no reason'})`));
    page.on('response', (response) => {
      if (response.status() >= 500) this.problems.push(`answer ${response.status()}: ${response.request().method()} ${response.url()}`);
    });
  }

  /** A new context and page on the console's origin, 1280x800, accepting downloads. */
  static async open(browser: Browser, baseUrl: string): Promise<ConsoleSession> {
    const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true, baseURL: localhostUrl(baseUrl) });
    await context.addInitScript(REPORT_CSP_VIOLATIONS);
    const page = await context.newPage();
    return new ConsoleSession(context, page, baseUrl);
  }

  /** Opens a page of the console by its hash route (`'#/orders'`). */
  async goto(hash = ''): Promise<void> {
    await this.page.goto(consoleUrl(this.baseUrl, hash));
  }

  /**
   * Signs in through the console's own sign-in page, as a developer does locally: picks the role, names the subject,
   * ticks exactly the stores a store-bound role works at (by their names, as the page lists them), and waits until the
   * console shows the signed-in shell (its "Sign out" button). Returns the answer to the page's `POST /auth/session`.
   */
  async signIn(options: { subject: string; role: string; stores?: { id: string; name: string }[] }): Promise<Response> {
    const { page } = this;
    await this.goto('#/sign-in');
    await page.getByLabel('Role').selectOption(options.role);
    // The page names the subject after the role once it re-renders, which can land while the field is being filled:
    // fill until the field holds exactly the subject.
    const subject = page.getByLabel('Subject');
    for (let attempt = 0; (await subject.inputValue()) !== options.subject; attempt += 1) {
      if (attempt === 5) throw new Error(`the sign-in page's Subject field would not keep ${options.subject}`);
      await subject.fill(options.subject);
    }
    if (options.stores) {
      const group = page.getByRole('group', { name: 'Stores' });
      // The page ticks the first store for a store-bound role once it has the list: wait for that, then tick the
      // wanted stores before clearing the others, so the choice is never empty on the way.
      await group.getByRole('checkbox', { checked: true }).first().waitFor();
      const wanted = options.stores.map((store) => store.name);
      const others = (await group.locator('label').allTextContents()).filter((name) => !wanted.includes(name));
      for (const name of wanted) await group.getByLabel(name, { exact: true }).check();
      for (const name of others) await group.getByLabel(name, { exact: true }).uncheck();
    }
    const answered = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/auth/session');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const response = await answered;
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return response;
  }

  /** The value of the session cookie the context holds, or undefined. */
  async sessionCookie(): Promise<string | undefined> {
    return (await this.context.cookies(localhostUrl(this.baseUrl))).find((c) => c.name === SESSION_COOKIE)?.value;
  }

  /** Throws, naming every problem the page had, unless it had none. */
  expectNoProblems(): void {
    if (this.problems.length > 0) throw new Error(`what went wrong in the page:\n- ${this.problems.join('\n- ')}`);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** The console's session cookie (docs/console-sign-in.md). */
export const SESSION_COOKIE = '__Host-smartshelf-session';

