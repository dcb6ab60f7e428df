// wskit chat page: joins the room of its URL over wskit.chat.v1.json. What
// peers say goes through ChatText (text.js): text, never HTML.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const { el, isolated, name: nameNode, line, names: nameList } = ChatText;
  const NAME_KEY = 'wskit.chat.name';
  const SUBPROTOCOL = 'wskit.chat.v1.json';
  const log = $('log');
  const input = $('input');
  const nameInput = $('name');
  const whoList = $('who-list');

  const room = (() => {
    let path = decodeURIComponent(location.pathname).replace(/\/+$/, '');
    return path || '/';
  })();
  let token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  let tokenRequired = false;
  let ws = null;
  let backoff = 500;
  let retry = null;  // the next attempt and its countdown, while offline
  let everOpened = false;
  let me = '';
  let asked = '';  // a name sent with /nick, not answered yet
  let names = [];
  let online = 0; // from the server: a busy room names only some of those who come and go
  let current = false;  // names and online are the server's latest (false while offline)
  let lastSent = '';
  let historyShown = false;
  const shown = new Set();  // messages on screen, so a reconnect's history adds no copies

  $('room').replaceChildren(isolated('', room));
  document.title = `${ChatText.plain(room)} · wskit chat`;
  nameInput.value = localStorage.getItem(NAME_KEY) || '';

  // The up arrow's hint, short enough for a phone's message box.
  const narrow = matchMedia('(max-width: 720px)');
  const hint = () => {
    input.placeholder = narrow.matches ? 'Message · ↑ your last one' : 'Message — Enter sends, ↑ brings back your last one';
  };
  narrow.addEventListener('change', hint);
  hint();

  // --- rendering ---------------------------------------------------------

  function clock(ts) {
    const d = ts ? new Date(ts) : new Date();
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function append(node) {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.appendChild(node);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  // A line of the page or the server: `parts` as ChatText.line takes them.
  function addSystem(parts, ts) {
    const row = el('div', 'msg system');
    row.appendChild(el('span', 'time', clock(ts)));
    const body = el('span', 'body');
    body.append(...line(parts));
    row.appendChild(body);
    append(row);
  }

  function addMessage(env) {
    const key = `${env.ts}|${env.from}|${env.id}`;
    if (shown.has(key)) return;
    shown.add(key);
    const history = env.type === 'history';
    if (history && !historyShown) {
      historyShown = true;
      append(el('div', 'divider', 'earlier messages'));
    }
    const cls = ['msg', history ? 'history' : '', env.self ? 'mine' : '', env.action ? 'action' : ''];
    const row = el('div', cls.filter(Boolean).join(' '));
    row.dataset.type = env.type;
    row.appendChild(el('span', 'time', clock(env.ts)));
    const said = el('span', 'line');
    said.appendChild(nameNode(env.from, 'from'));
    said.appendChild(isolated('text', env.text, true));
    row.appendChild(said);
    append(row);
  }

  function renderWho() {
    whoList.replaceChildren(...names.map((n) => {
      const li = el('li', n === me ? 'me' : '');
      li.appendChild(nameNode(n));
      return li;
    }));
    // A rush of joins is announced with the first names only: say so.
    if (online > names.length) whoList.appendChild(el('li', 'more', `and ${online - names.length} more`));
    // Offline, nobody knows who is online: no count rather than an old one.
    const count = current ? String(Math.max(online, names.length)) : '–';
    for (const id of ['who-count', 'who-total']) {
      $(id).textContent = count;
      $(id).title = current ? '' : 'unknown while offline';
    }
    $('who-toggle').setAttribute('aria-label', current ? `Online: ${count}` : 'Online: unknown while offline');
    const stale = !current && names.length > 0;
    $('who').classList.toggle('stale', stale);
    $('who-stale').hidden = !stale;
  }

  function setStatus(text, up) {
    const s = $('status');
    s.textContent = text;
    s.className = `status ${up ? 'online' : 'offline'}`;
  }

  // --- the connection ---------------------------------------------------

  function handle(env) {
    switch (env.type) {
      case 'who':
        me = env.you;
        asked = '';
        names = env.names.slice();
        online = names.length;
        current = true;
        if (document.activeElement !== nameInput) nameInput.value = me;
        renderWho();
        break;
      case 'join':
        if (!names.includes(env.from)) names.push(env.from);
        online += 1;
        renderWho();
        addSystem([{ name: env.from }, ' joined'], env.ts);
        break;
      case 'leave':
        names = names.filter((n) => n !== env.from);
        online = Math.max(0, online - 1);
        renderWho();
        addSystem([{ name: env.from }, ' left'], env.ts);
        break;
      case 'presence': {
        for (const n of env.joined) if (!names.includes(n)) names.push(n);
        names = names.filter((n) => !env.left.includes(n));
        online = env.online;
        renderWho();
        const parts = [];
        if (env.joined.length) parts.push(...nameList(env.joined, env.more_joined), ' joined');
        if (env.left.length) parts.push(...(parts.length ? ['; '] : []), ...nameList(env.left, env.more_left), ' left');
        addSystem(parts, env.ts);
        break;
      }
      case 'rename':
        names = names.map((n) => (n === env.old ? env.from : n));
        if (env.self) {
          me = env.from;
          // Remembered as asked for (alice, not the alice-2 it got while alice was taken).
          if (asked) localStorage.setItem(NAME_KEY, asked);
          asked = '';
          if (document.activeElement !== nameInput) nameInput.value = me;
        }
        renderWho();
        addSystem(env.self ? ['You are now known as ', { name: env.from }]
          : [{ name: env.old }, ' is now known as ', { name: env.from }], env.ts);
        break;
      case 'message':
      case 'history':
        addMessage(env);
        break;
      case 'system':
        // An answer to /nick that gives no name (refused, already yours):
        // the name box shows the name again.
        if (asked && document.activeElement !== nameInput) nameInput.value = me;
        asked = '';
        addSystem([{ said: env.text }], env.ts);
        break;
      default:
        break;
    }
  }

  function socketUrl() {
    const url = new URL(location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    const q = new URLSearchParams();
    const name = localStorage.getItem(NAME_KEY);
    if (name) q.set('name', name);
    if (token) q.set('token', token);
    url.search = q.toString();
    return url.toString();
  }

  function connect() {
    let opened = false;
    ws = new WebSocket(socketUrl(), SUBPROTOCOL);
    ws.onopen = () => {
      opened = true;
      backoff = 500;
      $('banner').hidden = true;
      setStatus('connected', true);
      if (everOpened) addSystem(['Reconnected.']);
      everOpened = true;
    };
    ws.onmessage = (ev) => {
      try {
        handle(JSON.parse(ev.data));
      } catch (e) {
        console.warn('unreadable message', e);
      }
    };
    ws.onclose = (ev) => {
      ws = null;
      setStatus('offline', false);
      current = false;
      renderWho();
      if (!opened && tokenRequired && !everOpened) return askToken('That token was not accepted.');
      if (ev.code === 1008 && ev.reason) addSystem(['Disconnected: ', { said: ev.reason }]);
      reconnectLater();
    };
  }

  // The next attempt after a jittered, doubling wait, counted down on the banner.
  function reconnectLater() {
    const wait = Math.round(backoff * (0.8 + Math.random() * 0.4));
    backoff = Math.min(backoff * 2, 10000);
    const at = Date.now() + wait;
    const countdown = $('countdown');
    const tick = () => {
      const left = Math.ceil((at - Date.now()) / 1000);
      const text = left > 0 ? `Reconnecting in ${left} s…` : 'Reconnecting…';
      if (countdown.textContent !== text) countdown.textContent = text;
    };
    tick();
    retry = { attempt: setTimeout(reconnectNow, wait), ticker: setInterval(tick, 250) };
    $('banner').hidden = false;
  }

  function reconnectNow() {
    if (retry) {
      clearTimeout(retry.attempt);
      clearInterval(retry.ticker);
      retry = null;
    }
    if (ws) return;  // an attempt is under way
    $('countdown').textContent = 'Reconnecting…';
    connect();
  }
  $('retry').addEventListener('click', reconnectNow);

  function askToken(why) {
    const form = $('token-form');
    if (why) $('token-why').textContent = why;
    form.hidden = false;
    $('token').focus();
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('token').value.trim();
    if (!token) return;
    // Kept in the fragment: never sent to a server, not in Referer headers.
    history.replaceState(null, '', `#token=${encodeURIComponent(token)}`);
    $('token-form').hidden = true;
    connect();
  });

  // --- typing -------------------------------------------------------------

  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value;
    if (!text.trim() || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(text);
    lastSent = text;
    input.value = '';
  });

  input.addEventListener('keydown', (ev) => {
    // Up in an empty box brings back the last message to edit and resend.
    if (ev.key === 'ArrowUp' && !input.value && lastSent) {
      ev.preventDefault();
      input.value = lastSent;
      input.setSelectionRange(input.value.length, input.value.length);
    }
  });

  // Enter picks the name and moves to the message box, whose focus ends the
  // name box's edit ('change'): the name is asked for once.
  function pickName() {
    const wanted = nameInput.value.trim();
    if (!wanted || wanted === me || wanted === asked) return;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(`/nick ${wanted}`);
      asked = wanted;  // remembered once the server gives it
    } else {
      localStorage.setItem(NAME_KEY, wanted);  // asked for on connecting
    }
  }
  nameInput.addEventListener('change', pickName);
  nameInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      pickName();
      input.focus();
    }
  });

  $('who-toggle').addEventListener('click', () => {
    const open = $('who').classList.toggle('open');
    $('who-toggle').setAttribute('aria-expanded', String(open));
  });

  // --- start ----------------------------------------------------------------

  renderWho();
  fetch('/_chat/config.json', { cache: 'no-store' })
    .then((r) => r.json())
    .catch(() => ({}))
    .then((config) => {
      tokenRequired = !!config.token;
      if (tokenRequired && !token) return askToken();
      connect();
      input.focus();
    });
})();
