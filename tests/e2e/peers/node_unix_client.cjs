// A Node `ws` client for the Unix-socket tests (ws's own ws+unix:///PATH:/p
// URLs). Prints one JSON object per line on stdout: {"pid": ITS PID} first,
// {"open": true}, then each message received ({"message": TEXT} or
// {"binary": HEX}), and {"closed": CODE} at the end.
// Usage: node node_unix_client.cjs URL UNTIL [MESSAGE...]
//   UNTIL    a number N: close (1000) once N messages have come; 0: close
//            right after sending; anything else: a regex, close once a text
//            message matches it
//   MESSAGE  sent in order once open; "hex:0aff" sends those bytes as binary
'use strict';
const WebSocket = require('ws');

const [url, until, ...messages] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
out({ pid: process.pid });
const count = /^\d+$/.test(until) ? Number(until) : null;
const pattern = count === null ? new RegExp(until) : null;
const ws = new WebSocket(url, { perMessageDeflate: false });
const timer = setTimeout(() => { out({ error: 'timed out after 15 s' }); process.exit(1); }, 15000);
let received = 0;

ws.on('open', () => {
  out({ open: true });
  for (const m of messages) {
    if (m.startsWith('hex:')) ws.send(Buffer.from(m.slice(4), 'hex'), { binary: true });
    else ws.send(m);
  }
  if (count === 0) ws.close(1000);
});
ws.on('message', (data, isBinary) => {
  received += 1;
  out(isBinary ? { binary: data.toString('hex') } : { message: data.toString() });
  if ((count !== null && received === count) || (pattern && !isBinary && pattern.test(data.toString()))) {
    ws.close(1000);
  }
});
ws.on('error', (e) => { out({ error: e.message }); });
ws.on('close', (code) => { clearTimeout(timer); out({ closed: code }); process.exit(0); });
