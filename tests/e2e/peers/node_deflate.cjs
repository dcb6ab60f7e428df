// Node `ws` with permessage-deflate on (threshold 0: every message is
// compressed), for the compression interop tests.
//   node node_deflate.cjs server        echo server on 127.0.0.1 port 0; prints
//                                       "listening on URL", then for each
//                                       connection "extensions=VALUE" (stderr)
//   node node_deflate.cjs client URL    prints {"extensions": RESPONSE HEADER}, round-trips
//                                       a few messages, prints {"check", "ok"}
//                                       for each, closes with 1000
'use strict';
const http = require('http');
const WebSocket = require('ws');

const [mode, url] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const deflate = { threshold: 0 };

if (mode === 'server') {
  const wss = new WebSocket.WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate });
  wss.on('listening', () => console.error(`listening on ws://127.0.0.1:${wss.address().port}/`));
  // The response headers, as sent: ws.extensions names the extensions only.
  wss.on('headers', (headers) => {
    const line = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
    console.error(`extensions=${line ? line.slice(line.indexOf(':') + 1).trim() : ''}`);
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
} else {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  let answer = null;
  ws.on('upgrade', (res) => { answer = res.headers['sec-websocket-extensions']; });
  const next = (event) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} in 10 s`)), 10000);
    ws.once(event, (...a) => { clearTimeout(t); resolve(a); });
  });
  (async () => {
    await next('open');
    out({ extensions: answer });
    const json = JSON.stringify({ items: [...Array(40).keys()].map((i) => ({ id: i, name: `item ${i}` })) });
    for (const [name, data, binary] of [['json', json, false], ['binary', Buffer.alloc(70000, 7), true],
      ['empty', '', false], ['again', json, false]]) {
      ws.send(data, { binary });
      const [got, isBinary] = await next('message');
      out({ check: name, ok: isBinary === binary && Buffer.compare(Buffer.from(got), Buffer.from(data)) === 0 });
    }
    ws.close(1000);
    await next('close');
  })().catch((e) => { out({ error: e.message }); process.exit(1); });
}
