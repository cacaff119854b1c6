// The browser tier: renders every view of views.tsx in Chromium at each of its sizes in the light
// and the dark theme, checks what a reader sees (checks.ts), and saves a screenshot of each.
//   npm run test:browser      (go tool mage -v testBrowser; part of go tool mage -v test)
// Environment:
//   CHROMIUM            the browser, else `chromium` on PATH (Debian's chromium package)
//   BROWSER_ARTIFACTS   where the screenshots go, else $TMPDIR/stackcapture-browser
//   UPDATE_SCREENSHOTS  1: also rewrite the README's images in src/img/ (never in CI)
import { execFileSync } from 'child_process';
import { mkdir, readdir, readFile, rm } from 'fs/promises';
import os from 'os';
import path from 'path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { checkPage } from './checks';
import type { Size, ViewSpec } from './views';

const ROOT = path.resolve(__dirname, '..', '..');
// Served from disk by serve() below: an http origin, as in Grafana, so fetches are allowed.
const ORIGIN = 'http://harness.invalid';
const PAGE = `${ORIGIN}/index.html`;
// Grafana's own fonts (Inter, Roboto Mono) are not on npm: the page falls back to the system's
// sans-serif and monospace fonts, and their requests are not errors.
const FONTS = '/public/fonts/';
// The loading spinner is Grafana's own icon, not @grafana/ui's; it shows before the data only.
const SPINNER = '/public/build/img/icons/unicons/spinner.svg';
// Grafana serves @grafana/ui's icons under public/build/img/icons/.
const ICONS = path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.svg': 'image/svg+xml' };
const FLAGS = [
  '--headless',
  '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--font-render-hinting=none',
];
// A guard against a hung browser, not a speed bound: the machine may be busy.
const TIMEOUT_MS = 120_000;
const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

// Answers every request of the page from disk; nothing reaches the network.
async function serve(route: Route) {
  const url = new URL(route.request().url());
  let file = '';
  if (url.origin === ORIGIN && url.pathname.startsWith('/public/build/img/icons/')) {
    file = path.join(ICONS, url.pathname.slice('/public/build/img/icons/'.length));
  } else if (url.origin === ORIGIN) {
    file = path.join(__dirname, url.pathname);
  }
  if (file === '' || !file.startsWith(ROOT)) {
    await route.fulfill({ status: 404, body: 'not served by the harness' });
    return;
  }
  try {
    const body = await readFile(file);
    await route.fulfill({ status: 200, body, contentType: TYPES[path.extname(file)] ?? 'application/octet-stream' });
  } catch {
    await route.fulfill({ status: 404, body: `no ${url.pathname}` });
  }
}

/**
 * The harness, loaded once: every render after is a change of the hash, so the bundle is parsed
 * once. errors collects what the page logs as errors; each render reads the part it caused.
 */
class Harness {
  readonly errors: string[] = [];
  private inflight = 0;
  private renders = 0;

  private constructor(readonly page: Page) {}

  static async open(browser: Browser): Promise<Harness> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.setDefaultTimeout(TIMEOUT_MS);
    await page.route('**/*', serve);
    const h = new Harness(page);
    const expected = (url: string) => {
      const p = url === '' ? '' : new URL(url).pathname;
      return p.startsWith(FONTS) || p === SPINNER;
    };
    page.on('pageerror', (e) => h.errors.push(`exception: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !expected(m.location().url)) {
        h.errors.push(`console error: ${m.text()}`);
      }
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !expected(r.url())) {
        h.errors.push(`HTTP ${r.status()} for ${r.url()}`);
      }
    });
    page.on('request', () => h.inflight++);
    page.on('requestfinished', () => h.inflight--);
    page.on('requestfailed', () => h.inflight--);
    await page.goto(PAGE);
    return h;
  }

  views(): Promise<ViewSpec[]> {
    return this.page.evaluate(() => window.harnessViews);
  }

  /** Mounts one view at a size in a theme and waits until its data is rendered and has settled. */
  async show(view: ViewSpec, size: Size, theme: Theme) {
    const key = `${view.name}/${theme}/${++this.renders}`;
    await this.page.setViewportSize(size);
    const failed = this.errors.length;
    await this.page.evaluate((hash) => {
      window.location.hash = hash;
    }, key);
    const mounted = `[data-harness="${key}"]`;
    await this.until(this.page.waitForSelector(`${mounted} :is(${view.ready})`, { state: 'attached' }), failed);
    if (view.click) {
      await this.page.click(`${mounted} :is(${view.click})`);
      const answered = view.mustSee.map((m) => this.page.locator(mounted).getByText(m.text).first().waitFor());
      await this.until(Promise.all(answered), failed);
    }
    await this.settle();
  }

  // Waits for what, unless the page throws first: an exception fails the render at once.
  private async until<T>(what: Promise<T>, failed: number): Promise<T> {
    // Whichever loses the race settles later, unheard: its rejection must not end the process.
    what.catch(() => undefined);
    let poll: NodeJS.Timeout | undefined;
    const thrown = new Promise<never>((_, reject) => {
      poll = setInterval(() => {
        const exception = this.errors.slice(failed).find((e) => e.startsWith('exception: '));
        if (exception) {
          reject(new Error(exception));
        }
      }, 100);
    });
    thrown.catch(() => undefined);
    try {
      return await Promise.race([what, thrown]);
    } finally {
      clearInterval(poll);
    }
  }

  // Icons arrive after the first paint, then fonts and emotion's styles settle.
  private async settle() {
    for (let quiet = 0; quiet < 3;) {
      await new Promise((r) => setTimeout(r, 100));
      quiet = this.inflight === 0 ? quiet + 1 : 0;
    }
    await this.page.evaluate(async () => {
      await document.fonts.ready;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
  }
}

const sizeName = (s: Size) => `${s.width}×${s.height}`;
const shotName = (view: ViewSpec, s: Size, theme: Theme) => `${view.name}-${s.width}x${s.height}-${theme}.png`;

/** One view at one size in one theme: its problems, each naming the view, the size and the theme. */
async function checkView(h: Harness, view: ViewSpec, size: Size, theme: Theme, artifacts: string) {
  const label = `${view.name} at ${sizeName(size)}, ${theme} theme`;
  const problems: string[] = [];
  const failed = h.errors.length;
  const shot = path.join(artifacts, shotName(view, size, theme));
  let rendered = false;
  try {
    await h.show(view, size, theme);
    rendered = true;
    await h.page.screenshot({ path: shot });
    problems.push(...(await h.page.evaluate(checkPage, view.mustSee)));
  } catch (e) {
    problems.push(`did not render: ${(e as Error).message.split('\n')[0]}`);
    await h.page.screenshot({ path: shot }).catch(() => undefined);
  }
  problems.push(...h.errors.slice(failed).filter((e) => rendered || !e.startsWith('exception: ')));
  return problems.map((p) => `${label}: ${p} [${path.basename(shot)}]`);
}

/** A probe of the checks: they must find each expected problem and nothing in its clean text. */
async function checkProbe(h: Harness, view: ViewSpec, probe: NonNullable<ViewSpec['probe']>, artifacts: string) {
  const problems = await checkView(h, view, view.sizes[0], 'dark', artifacts);
  const missed = probe.expect.filter((e) => !problems.some((p) => p.includes(e)));
  const wrong = problems.filter((p) => probe.clean.some((c) => p.includes(c)));
  return [
    ...missed.map((e) => `the checks missed a defect of ${view.name}: no problem says "${e}"`),
    ...wrong.map((p) => `the checks flagged what is right in ${view.name}: ${p}`),
  ];
}

/** The README's image of a view: always into artifacts, into src/img/ only when asked. */
async function readmeShot(h: Harness, view: ViewSpec, artifacts: string, update: boolean) {
  if (!view.readme) {
    return;
  }
  const { file, size, theme } = view.readme;
  await h.show(view, size, theme);
  await h.page.screenshot({ path: path.join(artifacts, `readme-${path.basename(file)}`) });
  if (update) {
    await h.page.screenshot({ path: path.join(ROOT, file) });
    console.log('wrote', file);
  }
}

/** The browser to drive: $CHROMIUM, else chromium on PATH; a clear error saying what to install. */
function chromiumPath(): string {
  if (process.env.CHROMIUM) {
    return process.env.CHROMIUM;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      "no chromium on PATH: the browser tests need Chromium. Install Debian's package (apt-get install chromium; " +
        'go tool mage -v test does it when run as root) or set CHROMIUM to a Chromium or Chrome binary.'
    );
  }
}

async function main() {
  const started = Date.now();
  const artifacts = process.env.BROWSER_ARTIFACTS || path.join(os.tmpdir(), 'stackcapture-browser');
  await mkdir(artifacts, { recursive: true });
  // Last run's screenshots only: the directory may be one the caller keeps other things in.
  for (const old of (await readdir(artifacts)).filter((f) => f.endsWith('.png'))) {
    await rm(path.join(artifacts, old));
  }
  const executablePath = chromiumPath();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, args: FLAGS, timeout: TIMEOUT_MS });
  } catch (e) {
    throw new Error(
      `Chromium (${executablePath}) did not start: ${(e as Error).message.split('\n')[0]}\n` +
        "Install Debian's chromium (apt-get install chromium) or set CHROMIUM to a working Chromium or Chrome binary."
    );
  }
  const failures: string[] = [];
  let runs = 0;
  try {
    let h = await Harness.open(browser);
    const only = (process.env.BROWSER_VIEWS ?? '').split(',').filter(Boolean);
    const views = (await h.views()).filter((v) => only.length === 0 || only.includes(v.name));
    if (views.length === 0) {
      throw new Error(`the harness lists no views${only.length > 0 ? ` named ${only.join(', ')}` : ''}`);
    }
    for (const view of views) {
      if (view.probe) {
        runs++;
        failures.push(...(await checkProbe(h, view, view.probe, artifacts)));
        continue;
      }
      for (const size of view.sizes) {
        for (const theme of THEMES) {
          runs++;
          const problems = await checkView(h, view, size, theme, artifacts);
          failures.push(...problems);
          if (problems.some((p) => p.includes('did not render'))) {
            // A broken render may leave the page unusable: the next starts from a fresh one.
            await h.page.close();
            h = await Harness.open(browser);
          }
        }
      }
      await readmeShot(h, view, artifacts, process.env.UPDATE_SCREENSHOTS === '1');
    }
    console.log(`checked ${views.length} views in ${runs} renders: ${views.map((v) => v.name).join(', ')}`);
  } finally {
    await browser.close();
  }
  console.log(`screenshots in ${artifacts}; took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length > 0) {
    console.error(`${failures.length} problems a reader would see:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
