// Renders the harness in Chromium and saves the plugin's screenshots into src/img/:
//   npx webpack -c test/browser/webpack.config.ts && npx ts-node test/browser/screenshots.ts
// (go tool mage -v screenshots runs both). CHROMIUM overrides the browser, /usr/bin/chromium
// by default (Debian's chromium package).
import { readFile } from 'fs/promises';
import path from 'path';
import { chromium, type Page, type Route } from 'playwright-core';

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
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// A guard against a hung browser, not a speed bound: the machine may be busy.
const TIMEOUT_MS = 120_000;

interface Shot {
  hash: string;
  ready: string; // a selector present once the fixture data is rendered
  file: string;
  viewport: { width: number; height: number };
}

const SHOTS: Shot[] = [
  {
    hash: 'capture/3',
    ready: '[data-testid="thread-card"]',
    file: 'src/img/screenshot-capture.png',
    viewport: { width: 1280, height: 1300 },
  },
  { hash: 'panel', ready: 'table tr', file: 'src/img/screenshot-panel.png', viewport: { width: 1280, height: 470 } },
];

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

async function shoot(page: Page, shot: Shot, errors: string[]) {
  await page.setViewportSize(shot.viewport);
  // An exception in the page fails the shot at once rather than at the timeout.
  const crashed = new Promise<never>((_, reject) => page.on('pageerror', reject));
  await page.goto(`${PAGE}#${shot.hash}`);
  await Promise.race([page.waitForSelector(shot.ready, { timeout: TIMEOUT_MS }), crashed]);
  // Fonts and emotion styles settle after the first paint.
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => document.fonts.ready);
  if (errors.length > 0) {
    throw new Error(`${shot.hash}: the page logged errors:\n${errors.join('\n')}`);
  }
  await page.screenshot({ path: path.join(ROOT, shot.file) });
  console.log('wrote', shot.file);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: FLAGS,
    timeout: TIMEOUT_MS,
  });
  try {
    for (const shot of SHOTS) {
      const page = await browser.newPage();
      await page.route('**/*', serve);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const expected = (url: string) => {
        const p = new URL(url).pathname;
        return p.startsWith(FONTS) || p === SPINNER;
      };
      page.on('console', (m) => m.type() === 'error' && !expected(m.location().url) && errors.push(m.text()));
      page.on('response', (r) => r.status() >= 400 && !expected(r.url()) && errors.push(`${r.status()} ${r.url()}`));
      page.setDefaultTimeout(TIMEOUT_MS);
      await shoot(page, shot, errors);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
