// wskit chat page: what peers say, as DOM nodes. Everything a peer controls
// (names, messages, the server's lines, close reasons) is set as text, never
// parsed as HTML. Each name and each message is its own <bdi>, so that its
// direction cannot leak into the text around it; explicit bidi controls in
// it are shown, not applied.
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
  const CONTROLS = /[\u202a-\u202e\u2066-\u2069]/gu;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function control(ch) {
    const code = ch.codePointAt(0);
    const shown = el('span', 'bidi-control', `U+${code.toString(16).toUpperCase()}`);
    shown.title = `${CONTROL_NAMES[code]}: shown here, not applied`;
    return shown;
  }

  // `text` as nodes: its bidi controls shown.
  function nodes(text) {
    const out = [];
    const plain = (s) => s && out.push(document.createTextNode(s));
    let at = 0;
    for (const m of text.matchAll(CONTROLS)) {
      plain(text.slice(at, m.index));
      out.push(control(m[0]));
      at = m.index + m[0].length;
    }
    plain(text.slice(at));
    return out;
  }

  // An isolated run of peer text: a <bdi> (direction from its own first
  // strong character, isolated from its neighbours).
  function isolated(cls, text) {
    const b = el('bdi', cls);
    b.append(...nodes(text));
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
  const plain = (text) => text.replace(CONTROLS, '');

  return { el, isolated, name, line, names, plain };
})();
