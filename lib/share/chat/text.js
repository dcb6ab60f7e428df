// wskit chat page: what peers say, as DOM nodes. Everything a peer controls
// (names, messages, the server's lines, close reasons) is set as text, never
// parsed as HTML. Each name and each message is its own <bdi>, so that its
// direction cannot leak into the text around it; explicit bidi controls in
// it are shown, not applied; http(s) links in messages are links.
'use strict';
const ChatText = (() => {
  // Embeddings and overrides (U+202A..U+202E) and isolates (U+2066..U+2069)
  // reorder the text after them: "pay to \u202E0001$ tnuocca\u202C now" shows
  // as "pay to account $1000 now". The marks (U+200E, U+200F, U+061C) only
  // settle the direction of the characters next to them: they are kept.
  const CONTROL_NAMES = {
    0x202a: 'LEFT-TO-RIGHT EMBEDDING',
    0x202b: 'RIGHT-TO-LEFT EMBEDDING',
    0x202c: 'POP DIRECTIONAL FORMATTING',
    0x202d: 'LEFT-TO-RIGHT OVERRIDE',
    0x202e: 'RIGHT-TO-LEFT OVERRIDE',
    0x2066: 'LEFT-TO-RIGHT ISOLATE',
    0x2067: 'RIGHT-TO-LEFT ISOLATE',
    0x2068: 'FIRST STRONG ISOLATE',
    0x2069: 'POP DIRECTIONAL ISOLATE',
  };
  // A link runs to white space, a quote or angle bracket, or an invisible or
  // bidi character; a bidi control is a token of its own.
  const TOKENS = /(https?:\/\/[^\s<>"'`\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+)|([\u202a-\u202e\u2066-\u2069])/giu;
  // What usually ends a sentence rather than a link: "see https://x.test/."
  const TRAILING = '.,;:!?\'"*';

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function count(text, ch) {
    return text.split(ch).length - 1;
  }

  // The link as meant: trailing punctuation, and a closing bracket that the
  // link did not open ("(see https://x.test/a)"), are the sentence's.
  function trimLink(raw) {
    let url = raw;
    for (;;) {
      const last = url[url.length - 1];
      if (TRAILING.includes(last)) url = url.slice(0, -1);
      else if (last === ')' && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
      else if (last === ']' && count(url, '[') < count(url, ']')) url = url.slice(0, -1);
      else return url;
    }
  }

  function link(url) {
    let target;
    try {
      target = new URL(url);
    } catch (e) {
      return null;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
    const a = el('a', 'link', url);
    a.href = target.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function control(ch) {
    const code = ch.codePointAt(0);
    const shown = el('span', 'bidi-control', `U+${code.toString(16).toUpperCase()}`);
    shown.title = `${CONTROL_NAMES[code]}: shown here, not applied`;
    return shown;
  }

  // `text` as nodes: its bidi controls shown, its links (when `links`) links.
  function nodes(text, links) {
    const out = [];
    const plain = (s) => s && out.push(document.createTextNode(s));
    let at = 0;
    for (const m of text.matchAll(TOKENS)) {
      if (m[1] && !links) continue;
      plain(text.slice(at, m.index));
      at = m.index + m[0].length;
      if (m[2]) {
        out.push(control(m[2]));
        continue;
      }
      const url = trimLink(m[1]);
      const a = link(url);
      if (a) out.push(a);
      else plain(url);
      plain(m[1].slice(url.length));
    }
    plain(text.slice(at));
    return out;
  }

  // An isolated run of peer text: a <bdi> (direction from its own first
  // strong character, isolated from its neighbours).
  function isolated(cls, text, links = false) {
    const b = el('bdi', cls);
    b.append(...nodes(text, links));
    return b;
  }

  const name = (n, cls = 'person') => isolated(cls, n);

  // A line made of the page's own words and peers' pieces: each part is a
  // string (the page's), {name} or {said} (a peer's, isolated).
  function line(parts) {
    return parts.map((p) => {
      if (typeof p === 'string') return document.createTextNode(p);
      if ('name' in p) return name(p.name);
      return isolated('said', p.said);
    });
  }

  // Names with commas and "and": "ann, bob and cy"; `more` counts the
  // others: "ann, bob, cy, dee, eve and 3 others".
  function names(listed, more) {
    const shown = listed.slice(0, 5);
    const others = listed.length - shown.length + (more || 0);
    const parts = shown.map((n) => ({ name: n }));
    if (others) parts.push(`${others} other${others === 1 ? '' : 's'}`);
    const out = [];
    parts.forEach((p, i) => {
      if (i) out.push(i === parts.length - 1 ? ' and ' : ', ');
      out.push(p);
    });
    return out;
  }

  // Without its bidi controls: for the window title, which cannot isolate.
  const plain = (text) => text.replace(/[\u202a-\u202e\u2066-\u2069]/gu, '');

  return { el, isolated, name, line, names, plain };
})();
