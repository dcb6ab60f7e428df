// The chat page in headless Chromium, as two people and a few viewers, for
// test_chat_browser.py:
//
//   node chat_browser.cjs ROOM_URL SCREENSHOT_DIR
//
// Prints JSON lines: {"step": ...} as it goes, {"restart": true} when the
// test should stop the server, {"start": true} when it should start it
// again, {"dialog": ...} if any script ran an alert, and {"done": {...}} last.
'use strict';
const path = require('path');
const { launch, newPage } = require('./browser.cjs');

const [roomUrl, shots] = process.argv.slice(2);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const TIMEOUT = 15000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// The text of a message row, from a page's log.
const message = (page, from, text) =>
  page.locator('#log .msg', { has: page.locator('.from', { hasText: from }) })
    .filter({ has: page.locator('.text').getByText(text, { exact: true }) });

async function open(browser, name, options = {}) {
  const page = await newPage(browser, options);
  // Counts the connections the page opens.
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    window.sockets = 0;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.sockets += 1;
      }
    };
  });
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

// The placeholder's width against the room the message box has for it, and
// whether anything sticks out of the page sideways.
const inputFit = (page) => page.evaluate(() => {
  const input = document.getElementById('input');
  const style = getComputedStyle(input);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.font;
  return {
    placeholder: input.placeholder,
    text: ctx.measureText(input.placeholder).width,
    room: input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    page_overflows: document.documentElement.scrollWidth > window.innerWidth,
  };
});

// The links of the message row that says `text`.
const linksOf = (row) => row.locator('a').evaluateAll((as) => as.map((a) => ({
  href: a.getAttribute('href'), text: a.textContent, target: a.target, rel: a.rel,
})));

// The online count, the who panel and the countdown while the server is away.
async function offlineState(page) {
  // Every text the countdown shows, in order, from the moment the server went away.
  await page.waitForFunction(() => {
    const seen = window.countdowns;
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]].map((t) => Number((/in (\d+) s/.exec(t) || [])[1]));
      if (a >= 2 && b === a - 1) return true;
    }
    return false;
  }, null, { timeout: 30000, polling: 100 });
  return page.evaluate(() => ({
    countdowns: window.countdowns,
    who_count: document.getElementById('who-count').textContent,
    who_total: document.getElementById('who-total').textContent,
    who_stale: document.getElementById('who').classList.contains('stale'),
    stale_note_shown: !document.getElementById('who-stale').hidden,
    toggle_label: document.getElementById('who-toggle').getAttribute('aria-label'),
  }));
}

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
    // A name the server refuses: said why, and the name box and the name
    // remembered stay ana.
    await ana.fill('#name', '*ana');
    await ana.press('#name', 'Enter');
    await ana.locator('#log .msg.system', { hasText: 'the name *ana is not allowed' }).waitFor({ timeout: TIMEOUT });
    result.refused = {
      name_box: await ana.inputValue('#name'),
      remembered: await ana.evaluate(() => localStorage.getItem('wskit.chat.name')),
    };

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

    // Up brings back the last message.
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
    result.desktop_input = await inputFit(ana);

    await ana.screenshot({ path: path.join(shots, 'chat-desktop-light.png') });
    for (const [file, options] of [
      ['chat-desktop-dark.png', { dark: true }],
      ['chat-phone-light.png', { viewport: PHONE }],
      ['chat-phone-dark.png', { viewport: PHONE, dark: true }],
    ]) {
      const viewer = await open(browser, null, options);
      await viewer.locator('#log .msg.history').first().waitFor({ timeout: TIMEOUT });
      if (options.viewport) result.phone_input = await inputFit(viewer);
      await viewer.screenshot({ path: path.join(shots, file) });
      await viewer.context().close();
    }
    result.phone_who_hidden = await (async () => {
      const phone = await open(browser, null, { viewport: PHONE });
      const hidden = !(await phone.locator('#who').isVisible());
      await phone.click('#who-toggle');
      const shown = await phone.locator('#who').isVisible();
      await phone.context().close();
      return hidden && shown;
    })();
    // Online: the count follows the room (the viewers have gone: term and ana are left).
    await ana.locator('#who-total').filter({ hasText: /^2$/ }).waitFor({ timeout: TIMEOUT });
    result.count_online = await ana.locator('#who-count').textContent();

    // The server goes away: the page says when it tries again, and what it
    // no longer knows (who is online).
    await ana.evaluate(() => {
      window.countdowns = [];
      new MutationObserver(() => window.countdowns.push(document.getElementById('countdown').textContent))
        .observe(document.getElementById('countdown'), { childList: true, characterData: true, subtree: true });
    });
    say({ restart: true });
    await ana.locator('#banner').waitFor({ state: 'visible', timeout: TIMEOUT });
    result.offline = await offlineState(ana);
    await ana.screenshot({ path: path.join(shots, 'chat-offline-desktop.png') });
    await ana.setViewportSize(PHONE);
    await ana.screenshot({ path: path.join(shots, 'chat-offline-phone.png') });
    await ana.setViewportSize(DESKTOP);

    // "Retry now" tries at once (the page opens a connection as the button
    // is clicked), and the countdown starts again when that fails too.
    result.retry = await ana.evaluate(async () => {
      const countdown = document.getElementById('countdown');
      // Between two attempts (not during one), as the countdown shows.
      await new Promise((resolve) => {
        const waiting = () => /in \d+ s/.test(countdown.textContent);
        if (waiting()) return resolve();
        const o = new MutationObserver(() => waiting() && (o.disconnect(), resolve()));
        o.observe(countdown, { childList: true, characterData: true, subtree: true });
      });
      const before = window.sockets;
      window.countdowns = [];
      document.getElementById('retry').click();
      return { opened_at_once: window.sockets - before };
    });
    await ana.waitForFunction(() => window.countdowns.some((t) => /in \d+ s/.test(t)), null, { timeout: TIMEOUT });

    // Back: the page reconnects by itself.
    say({ start: true });
    await ana.locator('#log .msg.system', { hasText: 'Reconnected.' }).waitFor({ timeout: 30000 });
    await ana.locator('#who-list li.me', { hasText: 'ana' }).waitFor({ timeout: TIMEOUT });
    result.banner_hidden_after = !(await ana.locator('#banner').isVisible());
    result.count_after = await ana.locator('#who-count').textContent();
    result.who_stale_after = await ana.locator('#who.stale').count();
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
