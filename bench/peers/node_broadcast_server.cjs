// A broadcast server on Node's `ws`, for the fan-out benchmarks: each message
// goes to every other client, as received. With --deflate, permessage-deflate
// is accepted and every message compressed (ws compresses per receiver).
// Usage: node node_broadcast_server.cjs [PORT] [--deflate]; prints "listening on URL" on stderr.
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const deflate = process.argv.includes('--deflate');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0),
  perMessageDeflate: deflate ? { threshold: 0 } : false,
  maxPayload: 64 * 1024 * 1024 });
wss.on('listening', () => process.stderr.write(`listening on ws://127.0.0.1:${wss.address().port}/\n`));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
