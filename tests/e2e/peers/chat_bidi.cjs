// The chat page in headless Chromium with right-to-left names and bidi
// controls, for test_chat_browser.py:
//
//   node chat_bidi.cjs SERVER_URL SCREENSHOT_DIR
//
// 1. SERVER_URL/bidi from the real server: prints {"ready": true} once the
//    page is in the room; the test then has a Hebrew-named terminal say
//    "5 apples" and "pay to \u202E0001$ tnuocca\u202C now".
// 2. SERVER_URL/spoof, its WebSocket answered here instead (as an older or
//    a foreign server could): names that carry bidi controls.
// Prints {"done": {...}} with what it measured, or {"error": ...}.
'use strict';
const path = require('path');
const { launch, newPage } = require('./browser.cjs');

const [serverUrl, shots] = process.argv.slice(2);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const TIMEOUT = 15000;
const SPOOF = '\u202eecila';

// In the page: every element that shows a name or a message, and whether
// it is isolated (a <bdi>, unicode-bidi: isolate).
const isolation = (page) => page.evaluate(() => {
  const shown = [...document.querySelectorAll('#log .from, #log .text, #log .person, #log .said, #who-list .person')];
  return {
    count: shown.length,
    not_isolated: shown.filter((e) => e.tagName !== 'BDI' || getComputedStyle(e).unicodeBidi !== 'isolate')
      .map((e) => e.outerHTML),
  };
});

// In the page: the left edge of each piece of the row `selector`, as laid
// out (their visual order). A piece is {text} (looked up in the row's text)
// or {el, n} (the n-th element matching el in the row).
const lefts = (page, selector, pieces) => page.evaluate(({ selector, pieces }) => {
  const root = document.querySelector(selector);
  const rect = (piece) => {
    if (piece.el) return root.querySelectorAll(piece.el)[piece.n || 0].getBoundingClientRect();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(piece.text);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + piece.text.length);
      return range.getBoundingClientRect();
    }
    throw new Error(`no "${piece.text}" in ${selector}`);
  };
  return pieces.map((p) => Math.round(rect(p).left));
}, { selector, pieces });

// Marks the first row of the log whose text has `text` (and `cls`) with `id`.
const mark = (page, id, text, cls = 'msg') => page.evaluate(({ id, text, cls }) => {
  [...document.querySelectorAll(`#log .${cls}`)].find((r) => r.textContent.includes(text)).id = id;
}, { id, text, cls });

const increasing = (xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

async function realServer(browser, result) {
  const page = await newPage(browser);
  await page.goto(`${serverUrl}bidi`);
  await page.locator('#status.online').waitFor({ timeout: TIMEOUT });
  say({ ready: true });
  const row = (text) => page.locator('#log .msg', { has: page.locator('.text', { hasText: text }) });
  await row('apples').waitFor({ timeout: TIMEOUT });
  await row('tnuocca').waitFor({ timeout: TIMEOUT });
  await mark(page, 'apples', 'apples');
  await mark(page, 'trick', 'tnuocca');
  await mark(page, 'joined', 'joined', 'system');
  result.real = {
    isolation: await isolation(page),
    controls: await row('tnuocca').locator('.bidi-control').allTextContents(),
    text: await row('tnuocca').locator('.text').textContent(),
    // The name, then what was said: its "5" does not run into the name.
    apples: await lefts(page, '#apples', [{ el: '.from' }, { text: '5 apples' }]),
    // Shown in the order it was typed, its controls visible.
    trick: await lefts(page, '#trick', [{ text: 'pay' }, { el: '.bidi-control' }, { text: '0001$' },
      { text: 'tnuocca' }, { el: '.bidi-control', n: 1 }, { text: 'now' }]),
    joined: await lefts(page, '#joined', [{ el: '.person' }, { text: ' joined' }]),
  };
  await page.screenshot({ path: path.join(shots, 'chat-bidi-desktop.png') });
  const phone = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await phone.goto(`${serverUrl}bidi`);
  await phone.locator('#log .msg.history .text', { hasText: 'tnuocca' }).waitFor({ timeout: TIMEOUT });
  result.real.phone_isolation = await isolation(phone);
  await phone.screenshot({ path: path.join(shots, 'chat-bidi-phone.png') });
}

async function foreignServer(browser, result) {
  const page = await newPage(browser);
  const ts = new Date().toISOString();
  await page.routeWebSocket(/\/spoof/, (ws) => {
    const send = (env) => ws.send(JSON.stringify({ room: '/spoof', ts, ...env }));
    send({ type: 'who', names: ['bob', SPOOF], you: 'bob' });
    send({ type: 'join', from: `x${SPOOF}`, id: 1 });
    send({ type: 'message', from: SPOOF, text: 'hi', id: 2 });
    send({ type: 'rename', old: SPOOF, from: `${SPOOF}2`, id: 3 });
    send({ type: 'system', text: '\u202edenied', id: 4 });
  });
  await page.goto(`${serverUrl}spoof`);
  await page.locator('#log .msg.system', { hasText: 'denied' }).waitFor({ timeout: TIMEOUT });
  await mark(page, 'joined', 'joined', 'system');
  await mark(page, 'renamed', 'known as', 'system');
  result.foreign = {
    isolation: await isolation(page),
    // Each name shows its control, and no override reaches the words after it.
    who_controls: await page.locator('#who-list .person .bidi-control').count(),
    joined: await lefts(page, '#joined', [{ el: '.person' }, { text: ' joined' }]),
    renamed: await lefts(page, '#renamed', [{ el: '.person' }, { text: ' is now known as ' },
      { el: '.person', n: 1 }]),
    message_from_controls: await page.locator('#log .msg .from .bidi-control').count(),
  };
  await page.screenshot({ path: path.join(shots, 'chat-bidi-foreign.png') });
}

async function main() {
  const browser = await launch();
  const result = {};
  try {
    await realServer(browser, result);
    await foreignServer(browser, result);
  } finally {
    await browser.close();
  }
  result.increasing = {
    apples: increasing(result.real.apples),
    trick: increasing(result.real.trick),
    joined: increasing(result.real.joined),
    foreign_joined: increasing(result.foreign.joined),
    foreign_renamed: increasing(result.foreign.renamed),
  };
  say({ done: result });
}

main().catch((e) => {
  say({ error: String((e && e.stack) || e) });
  process.exit(1);
});
