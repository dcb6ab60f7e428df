// A Node `ws` echo server for wskit connect's end-to-end tests. Binds
// 127.0.0.1 port 0 and prints "listening on ws://127.0.0.1:PORT/" on stderr
// (with --unix PATH: listens on that Unix-domain socket instead, and prints
// "listening on unix:PATH"). Options:
//   --unix PATH          listen on this Unix-domain socket, not on a TCP port
//   --subprotocol NAME   accept this subprotocol if offered (repeatable)
//   --record FILE        append each request's path and headers as a JSON line
//   --delay-accept MS    wait this long before answering the handshake
//   --broadcast          relay every message to every client instead of echoing it
// When a connection ends, prints "closed code=C reason=R" on stderr.
'use strict';
const fs = require('fs');
const http = require('http');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const subprotocols = [];
let record = null;
let delayAccept = 0;
let broadcast = false;
let unixPath = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--subprotocol') subprotocols.push(args[++i]);
  else if (args[i] === '--record') record = args[++i];
  else if (args[i] === '--delay-accept') delayAccept = Number(args[++i]);
  else if (args[i] === '--broadcast') broadcast = true;
  else if (args[i] === '--unix') unixPath = args[++i];
  else { console.error(`unknown option ${args[i]}`); process.exit(2); }
}

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 256 * 1024 * 1024,
  perMessageDeflate: false,
  handleProtocols: (offered) => {
    for (const p of subprotocols) if (offered.has(p)) return p;
    return false;
  },
});

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!broadcast) return ws.send(data, { binary: isBinary });
    for (const client of wss.clients) client.send(data, { binary: isBinary });
  });
  ws.on('close', (code, reason) => {
    console.error(`closed code=${code} reason=${reason.toString()}`);
  });
});

const server = http.createServer((req, res) => { res.writeHead(426); res.end(); });
server.on('upgrade', (req, socket, head) => {
  if (record) {
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    fs.appendFileSync(record, JSON.stringify({ path: req.url, headers }) + '\n');
  }
  setTimeout(() => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }, delayAccept);
});
if (unixPath !== null) {
  server.listen(unixPath, () => console.error(`listening on unix:${unixPath}`));
} else {
  server.listen(0, '127.0.0.1', () => {
    console.error(`listening on ws://127.0.0.1:${server.address().port}/`);
  });
}
