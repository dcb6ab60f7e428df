// Headless Chromium (Debian's, driven by playwright-core) for the end-to-end
// tests: opens a page and runs a test's script in it, reporting as JSON lines.
//
//   node browser.cjs URL SCRIPT_FILE [--screenshot PATH] [--viewport WxH] [--dark]
//
// SCRIPT_FILE holds the body of an async function run in the page, with
// `report(obj)` to print a JSON line on stdout (the test reads them as they
// come) and `args` (the value of the WSKIT_BROWSER_ARGS environment variable,
// parsed as JSON). The function's return value is printed last as
// {"done": value}. Errors print {"error": "..."} and exit 1.
//
// Tests that need more (clicking, typing) require this file as a module and
// use launch() to get a playwright Browser.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.WSKIT_CHROMIUM || '/usr/bin/chromium';

async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Tests only ever reach 127.0.0.1; no sandbox inside containers run as root.
    // A page from about:blank or another test server may open connections to
    // 127.0.0.1 (Chromium's local network access checks would block them).
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-proxy-server',
      '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests'],
  });
}

async function newPage(browser, { viewport, dark } = {}) {
  const context = await browser.newContext({
    viewport: viewport || { width: 1280, height: 800 },
    colorScheme: dark ? 'dark' : 'light',
    ignoreHTTPSErrors: !!process.env.WSKIT_BROWSER_INSECURE,
  });
  const page = await context.newPage();
  page.on('console', (m) => process.stderr.write(`console.${m.type()}: ${m.text()}\n`));
  page.on('dialog', (d) => {
    // An alert means injected script ran: the tests look for this line.
    process.stdout.write(JSON.stringify({ dialog: d.message() }) + '\n');
    d.dismiss();
  });
  return page;
}

async function main() {
  const argv = process.argv.slice(2);
  const [url, scriptFile] = argv;
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  let viewport;
  if (opt('--viewport')) {
    const [w, h] = opt('--viewport').split('x').map(Number);
    viewport = { width: w, height: h };
  }
  const browser = await launch();
  try {
    const page = await newPage(browser, { viewport, dark: argv.includes('--dark') });
    await page.exposeFunction('report', (obj) => process.stdout.write(JSON.stringify(obj) + '\n'));
    await page.goto(url);
    const body = fs.readFileSync(scriptFile, 'utf8');
    const args = JSON.parse(process.env.WSKIT_BROWSER_ARGS || 'null');
    const value = await page.evaluate(
      ({ body, args }) => new Function('args', `return (async () => { ${body} })();`)(args), { body, args });
    if (opt('--screenshot')) await page.screenshot({ path: opt('--screenshot'), fullPage: true });
    process.stdout.write(JSON.stringify({ done: value === undefined ? null : value }) + '\n');
  } finally {
    await browser.close();
  }
}

module.exports = { launch, newPage };

if (require.main === module) {
  main().catch((e) => {
    process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + '\n');
    process.exit(1);
  });
}
