// Headless Chromium opening a WebSocket from pages of several origins, in one
// browser: the origin a server sees is the page's (another port, file://).
//
//   node browser_ws.cjs WS_URL PAGE_URL...
//
// For each page, in order: opens PAGE_URL (any status: a server's 426 page
// serves as well as any), then in it `new WebSocket(WS_URL, protocols)`
// with the JSON list of WSKIT_BROWSER_PROTOCOLS (none by default). Prints
// one JSON line per page: {"page": URL, "result": "open", "protocol": P}
// (then sends WSKIT_BROWSER_SEND when set and adds "reply", the first
// message back), or {"page": URL, "result": "error"} when the browser
// refused or failed the connection.
'use strict';
const { launch, newPage } = require('./browser.cjs');

async function probe(browser, wsUrl, pageUrl, protocols, send) {
  const page = await newPage(browser);
  try {
    await page.goto(pageUrl);
    return await page.evaluate(({ url, protocols, send }) => new Promise((resolve) => {
      const ws = new WebSocket(url, protocols);
      const timer = setTimeout(() => resolve({ result: 'timeout' }), 20000);
      const done = (value) => { clearTimeout(timer); resolve(value); };
      ws.onerror = () => done({ result: 'error' });
      ws.onopen = () => {
        const opened = { result: 'open', protocol: ws.protocol };
        if (!send) {
          ws.close(1000);
          return done(opened);
        }
        ws.onmessage = (e) => {
          ws.close(1000);
          done({ ...opened, reply: e.data });
        };
        ws.send(send);
      };
    }), { url: wsUrl, protocols, send });
  } finally {
    await page.close();
  }
}

async function main() {
  const [wsUrl, ...pages] = process.argv.slice(2);
  const protocols = JSON.parse(process.env.WSKIT_BROWSER_PROTOCOLS || '[]');
  const send = process.env.WSKIT_BROWSER_SEND || '';
  const browser = await launch();
  try {
    for (const pageUrl of pages) {
      const got = await probe(browser, wsUrl, pageUrl, protocols, send);
      process.stdout.write(JSON.stringify({ page: pageUrl, ...got }) + '\n');
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + '\n');
  process.exit(1);
});
