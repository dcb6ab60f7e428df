// The chat page in headless Chromium, as two people and a few viewers, for
// test_chat_browser.py:
//
//   node chat_browser.cjs ROOM_URL SCREENSHOT_DIR
//
// Prints JSON lines: {"step": ...} as it goes, {"restart": true} when the
// test should restart the server (it then waits for the page to reconnect),
// {"dialog": ...} if any script ran an alert, and {"done": {...}} last.
'use strict';
const path = require('path');
const { launch, newPage } = require('./browser.cjs');

const [roomUrl, shots] = process.argv.slice(2);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const TIMEOUT = 15000;

// The text of a message row, from a page's log.
const message = (page, from, text) =>
  page.locator('#log .msg', { has: page.locator('.from', { hasText: from }) })
    .filter({ has: page.locator('.text').getByText(text, { exact: true }) });

async function open(browser, name, options = {}) {
  const page = await newPage(browser, options);
  await page.goto(roomUrl);
  await page.locator('#status.online').waitFor({ timeout: TIMEOUT });
  if (name) {
    await page.fill('#name', name);
    await page.press('#name', 'Enter');
    await page.locator('#who-list li.me', { hasText: name }).waitFor({ timeout: TIMEOUT });
  }
  return page;
}

async function send(page, text) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

async function whoNames(page) {
  return page.locator('#who-list li').allTextContents();
}

const systemLines = (page) => page.locator('#log .msg.system .body').allTextContents();

// The links of the message row that says `text`.
const linksOf = (row) => row.locator('a').evaluateAll((as) => as.map((a) => ({
  href: a.getAttribute('href'), text: a.textContent, target: a.target, rel: a.rel,
})));

async function main() {
  const browser = await launch();
  const result = {};
  try {
    const ana = await open(browser, 'ana');
    // The name is remembered: a reload comes back as ana.
    await ana.reload();
    await ana.locator('#status.online').waitFor({ timeout: TIMEOUT });
    await ana.locator('#who-list li.me', { hasText: 'ana' }).waitFor({ timeout: TIMEOUT });
    result.history = await ana.locator('#log .msg.history .text').allTextContents();
    say({ step: 'ana joined' });

    const ben = await open(browser, 'ben');
    await ana.locator('#who-list li', { hasText: 'ben' }).waitFor({ timeout: TIMEOUT });
    result.who = await whoNames(ana);

    await send(ana, 'hello from ana');
    await message(ben, 'ana', 'hello from ana').waitFor({ timeout: TIMEOUT });
    const evil = '<img src=x onerror=alert(1)>';
    await send(ben, evil);
    await message(ana, 'ben', evil).waitFor({ timeout: TIMEOUT });
    result.evil_shown_as_text = (await message(ana, 'ben', evil).locator('.text').textContent()) === evil;
    result.images_in_log = await ana.locator('#log img').count();
    say({ step: 'evil sent' });

    // Links: http and https only, opened in a new tab without an opener or a referrer.
    const linked = 'docs at https://example.test/a_(b)?q=1, not javascript:alert(2) nor data:text/html,hi ' +
      'nor <a href="https://evil.test/">this</a>; also (http://example.test/x).';
    await send(ben, linked);
    await message(ana, 'ben', linked).waitFor({ timeout: TIMEOUT });
    result.links = await linksOf(message(ana, 'ben', linked).locator('.text'));
    result.linked_text = await message(ana, 'ben', linked).locator('.text').textContent();

    // The terminal answers (the test types it when it has seen both).
    await message(ana, 'term', 'hi from the terminal').waitFor({ timeout: TIMEOUT });
    await message(ben, 'term', 'hi from the terminal').waitFor({ timeout: TIMEOUT });

    // Up edits the last message.
    await ana.focus('#input');
    await ana.press('#input', 'ArrowUp');
    result.up_recalls = await ana.inputValue('#input');
    await ana.fill('#input', '');

    // Setting a name said so once (the server has answered everything ben
    // sent by now: his messages came back to him).
    await message(ben, 'ben', linked).waitFor({ timeout: TIMEOUT });
    result.ben_name_lines = (await systemLines(ben)).filter((t) => /known as|already/.test(t));

    // Someone leaving updates the who-list.
    await ben.context().close();
    await ana.locator('#log .msg.system', { hasText: 'ben left' }).waitFor({ timeout: TIMEOUT });
    result.who_after_leave = await whoNames(ana);

    await ana.screenshot({ path: path.join(shots, 'chat-desktop-light.png') });
    for (const [file, options] of [
      ['chat-desktop-dark.png', { dark: true }],
      ['chat-phone-light.png', { viewport: { width: 390, height: 780 } }],
      ['chat-phone-dark.png', { viewport: { width: 390, height: 780 }, dark: true }],
    ]) {
      const viewer = await open(browser, null, options);
      await viewer.locator('#log .msg.history').first().waitFor({ timeout: TIMEOUT });
      await viewer.screenshot({ path: path.join(shots, file) });
      await viewer.context().close();
    }
    result.phone_who_hidden = await (async () => {
      const phone = await open(browser, null, { viewport: { width: 390, height: 780 } });
      const hidden = !(await phone.locator('#who').isVisible());
      await phone.click('#who-toggle');
      const shown = await phone.locator('#who').isVisible();
      await phone.context().close();
      return hidden && shown;
    })();

    // The server restarts: the page says so and comes back by itself.
    say({ restart: true });
    await ana.locator('#banner', { hasText: 'Reconnecting' }).waitFor({ timeout: TIMEOUT });
    result.banner_seen = true;
    await ana.locator('#log .msg.system', { hasText: 'Reconnected.' }).waitFor({ timeout: 30000 });
    await ana.locator('#who-list li.me', { hasText: 'ana' }).waitFor({ timeout: TIMEOUT });
    result.banner_hidden_after = !(await ana.locator('#banner').isVisible());
    await send(ana, 'after the restart');
    await message(ana, 'ana', 'after the restart').waitFor({ timeout: TIMEOUT });
    result.sent_after_restart = true;
  } finally {
    await browser.close();
  }
  say({ done: result });
}

main().catch((e) => {
  say({ error: String((e && e.stack) || e) });
  process.exit(1);
});
