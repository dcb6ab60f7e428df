// A WebSocket-over-HTTP/2 (RFC 8441, extended CONNECT) echo server on Node's
// own http2 module, for wskit's HTTP/2 end-to-end tests. Binds 127.0.0.1 port
// 0 and prints "listening on https://127.0.0.1:PORT/" (http:// with --plain)
// on stderr. Options:
//   --cert FILE --key FILE  TLS with ALPN h2 only
//   --allow-http1           also offer http/1.1 in ALPN: HTTP/1.1 WebSocket upgrades
//                           echo too (Node's ws), other HTTP/1.1 requests get 404
//   --plain                 h2c with prior knowledge, no TLS (instead of --cert/--key)
//   --subprotocol NAME      accept this subprotocol if offered (repeatable; the
//                           first configured one the client offered wins)
//   --record FILE           append each extended CONNECT's header fields, as
//                           received and pseudo-headers included, as a JSON line
//                           {"headers": [[name, value], ...]}
//   --send-first TEXT       send this text message right after the 200
//   --flood N               then N text messages of 64 KiB, as fast as the client
//                           reads; prints "flood sent" once the last is written
//   --no-read               never read the stream after the 200, so the client's
//                           flow-control window for the stream fills (64 KiB)
//   --no-connect-protocol   leave SETTINGS_ENABLE_CONNECT_PROTOCOL out
//   --unix PATH             listen on this Unix-domain socket instead; prints
//                           "listening on unix:PATH"
//   --redirect LOCATION     answer each CONNECT 308 with this Location
//   --variant NAME          answer the CONNECT otherwise:
//     reset                 RST_STREAM PROTOCOL_ERROR, no answer
//     refuse                403, content-type text/plain, body "forbidden\n"
//     wrong-subprotocol     200 with sec-websocket-protocol: not-offered, then echo
//     accept-header         200 with an HTTP/1.1-style sec-websocket-accept, then echo
// A 101 answer cannot be had from Node (ERR_HTTP2_STATUS_101): py_h2_server.py
// sends one. Any request but a websocket extended CONNECT gets 404 "not a
// websocket\n". After the 200 it echoes text and binary messages (fragmented
// ones reassembled, each echoed as one frame) and answers pings. A close frame
// prints "closed code=C reason=R" on stderr (1005 for none), is echoed with its
// code and ends the stream; a stream that ends or is reset without one prints
// "closed code=1006 reason="; a protocol violation (say an unmasked frame) sends
// close 1002, ends the stream and prints "closed code=1002 reason=WHAT".
// Each HTTP/2 connection prints "session opened". Session and stream errors
// print "error: MESSAGE".
'use strict';
const fs = require('fs');
const http2 = require('http2');

const args = process.argv.slice(2);
const subprotocols = [];
let cert = null, key = null, plain = false, allowHTTP1 = false, record = null;
let sendFirst = null, noRead = false, connectProtocol = true, variant = null, flood = 0;
let unixPath = null, redirect = null;
const variants = ['reset', 'refuse', 'wrong-subprotocol', 'accept-header'];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--cert') cert = args[++i];
  else if (args[i] === '--key') key = args[++i];
  else if (args[i] === '--plain') plain = true;
  else if (args[i] === '--allow-http1') allowHTTP1 = true;
  else if (args[i] === '--subprotocol') subprotocols.push(args[++i]);
  else if (args[i] === '--record') record = args[++i];
  else if (args[i] === '--send-first') sendFirst = args[++i];
  else if (args[i] === '--flood') flood = Number(args[++i]);
  else if (args[i] === '--no-read') noRead = true;
  else if (args[i] === '--no-connect-protocol') connectProtocol = false;
  else if (args[i] === '--unix') unixPath = args[++i];
  else if (args[i] === '--redirect') redirect = args[++i];
  else if (args[i] === '--variant' && variants.includes(args[i + 1])) variant = args[++i];
  else { console.error(`unknown option ${args[i]}${args[i] === '--variant' ? ` ${args[i + 1]}` : ''}`); process.exit(2); }
}
if (plain === Boolean(cert || key) || Boolean(cert) !== Boolean(key)) {
  console.error('give either --plain or both --cert and --key'); process.exit(2);
}

const CONT = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

function frame(opcode, payload) {
  const n = payload.length;
  const head = Buffer.alloc(n < 126 ? 2 : n < 65536 ? 4 : 10);
  head[0] = 0x80 | opcode;
  if (n < 126) head[1] = n;
  else if (n < 65536) { head[1] = 126; head.writeUInt16BE(n, 2); }
  else { head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2); }
  return Buffer.concat([head, payload]);
}

// One frame from the start of buf, unmasked, or { need } when buf is short.
function parse(buf) {
  if (buf.length < 2) return { need: 2 };
  let len = buf[1] & 0x7f, at = 2;
  if (len === 126) { if (buf.length < 4) return { need: 4 }; len = buf.readUInt16BE(2); at = 4; }
  else if (len === 127) { if (buf.length < 10) return { need: 10 }; len = Number(buf.readBigUInt64BE(2)); at = 10; }
  const masked = (buf[1] & 0x80) !== 0;
  const mask = masked ? buf.subarray(at, at + 4) : null;
  if (masked) at += 4;
  if (buf.length < at + len) return { need: at + len };
  const payload = Buffer.from(buf.subarray(at, at + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3];
  return { fin: (buf[0] & 0x80) !== 0, rsv: buf[0] & 0x70, opcode: buf[0] & 0x0f, masked, payload, size: at + len };
}

// N text messages of 64 KiB, each written when the stream takes it (HTTP/2
// flow control: as fast as the client reads); "flood sent" once all went.
function floodStream(stream, count) {
  const message = frame(TEXT, Buffer.alloc(65536, 'f'));
  let sent = 0;
  const more = () => {
    while (sent < count) {
      sent++;
      if (!stream.write(message)) return stream.once('drain', more);
    }
    console.error('flood sent');
  };
  more();
}

function serveWebSocket(stream) {
  let closed = false, blocked = false;
  const finish = (code, reason) => {
    if (closed) return;
    closed = true;
    console.error(`closed code=${code} reason=${reason}`);
  };
  // Stop reading while our echoes are stuck, so a client that does not read
  // gets backpressure instead of this process buffering without bound.
  const send = (data) => {
    if (stream.write(data) || blocked) return;
    blocked = true;
    stream.pause();
    stream.once('drain', () => { blocked = false; if (!noRead) stream.resume(); });
  };
  const fail = (why, code = 1002) => {
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    send(frame(CLOSE, p));
    stream.end();
    finish(code, why);
  };
  stream.on('close', () => finish(1006, ''));
  if (sendFirst !== null) send(frame(TEXT, Buffer.from(sendFirst)));
  if (flood) floodStream(stream, flood);
  if (noRead) return stream.pause();

  let pending = [], have = 0, need = 2;  // chunks held until a whole frame is in
  let parts = null, partsOpcode = 0;  // the fragmented message being reassembled
  const onFrame = (f) => {
    if (!f.masked) return fail('unmasked frame');
    if (f.rsv) return fail('reserved bits set');
    if (f.opcode >= CLOSE) {
      if (!f.fin || f.payload.length > 125) return fail('bad control frame');
      if (f.opcode === PING) send(frame(PONG, f.payload));
      else if (f.opcode === CLOSE) {
        if (f.payload.length === 1) return fail('1-byte close payload');
        const code = f.payload.length ? f.payload.readUInt16BE(0) : 1005;
        send(frame(CLOSE, f.payload.subarray(0, 2)));
        stream.end();
        finish(code, f.payload.subarray(2).toString());
      } else if (f.opcode !== PONG) return fail(`opcode ${f.opcode}`);
      return;
    }
    if (f.opcode === CONT ? parts === null : parts !== null) return fail('bad continuation');
    if (f.opcode !== CONT && f.opcode !== TEXT && f.opcode !== BINARY) return fail(`opcode ${f.opcode}`);
    if (f.opcode !== CONT) { parts = []; partsOpcode = f.opcode; }
    parts.push(f.payload);
    if (!f.fin) return;
    send(frame(partsOpcode, Buffer.concat(parts)));
    parts = null;
  };
  stream.on('data', (chunk) => {
    if (closed) return;
    pending.push(chunk);
    have += chunk.length;
    if (have < need) return;
    // Concatenate only once a frame is complete: a big frame in many DATA
    // frames would otherwise be copied over and over.
    let buf = Buffer.concat(pending);
    for (;;) {
      const f = parse(buf);
      if (f.need) { need = f.need; break; }
      buf = buf.subarray(f.size);
      onFrame(f);
      if (closed) return;
    }
    pending = [buf];
    have = buf.length;
  });
  stream.on('end', () => { if (!closed) { finish(1006, ''); stream.end(); } });
}

// OpenSSL's message is a long line of codes; its reason says it all.
const report = (err) => console.error(`error: ${err.reason || err.message}`);

function onStream(stream, headers, flags, rawHeaders) {
  stream.on('error', report);
  if (headers[':method'] !== 'CONNECT' || headers[':protocol'] !== 'websocket') {
    stream.respond({ ':status': 404, 'content-type': 'text/plain' });
    return stream.end('not a websocket\n');
  }
  if (record) {
    const pairs = [];
    for (let i = 0; i < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
    fs.appendFileSync(record, JSON.stringify({ headers: pairs }) + '\n');
  }
  if (variant === 'reset') {
    stream.removeAllListeners('error').on('error', () => {});  // our own reset comes back as one
    return stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
  }
  if (redirect !== null) {
    stream.respond({ ':status': 308, location: redirect });
    return stream.end();
  }
  if (variant === 'refuse') {
    stream.respond({ ':status': 403, 'content-type': 'text/plain' });
    return stream.end('forbidden\n');
  }
  const offered = String(headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
  const chosen = variant === 'wrong-subprotocol' ? 'not-offered' : subprotocols.find((p) => offered.includes(p));
  const answer = { ':status': 200 };
  if (chosen) answer['sec-websocket-protocol'] = chosen;
  if (variant === 'accept-header') answer['sec-websocket-accept'] = 'x3JJHMbDL1EzLkh9GBhXDw==';
  stream.respond(answer);
  serveWebSocket(stream);
}

// Left out rather than sent as 0: a server that never heard of RFC 8441.
const settings = connectProtocol ? { enableConnectProtocol: true } : {};
const server = plain
  ? http2.createServer({ settings })
  : http2.createSecureServer({ settings, allowHTTP1, cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
server.on('stream', onStream);
server.on('session', () => console.error('session opened'));
if (allowHTTP1) {
  // Node's compatibility layer, which a 'request' listener switches on, would
  // also turn every h2 stream into a request (and refuse CONNECTs with 405):
  // drop its hook so that 'request' sees HTTP/1.1 requests only.
  server.removeAllListeners('newListener');
  server.on('request', (req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not a websocket\n');
  });
  // HTTP/1.1 upgrades are WebSockets too (Node's ws): one server, both paths,
  // as a browser finds a host that speaks both.
  const { WebSocketServer } = require('ws');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('error', report);
    });
  });
}
server.on('error', report);
server.on('sessionError', report);
server.on('tlsClientError', report);
if (unixPath !== null) server.listen(unixPath, () => console.error(`listening on unix:${unixPath}`));
else server.listen(0, '127.0.0.1', () => {
  console.error(`listening on ${plain ? 'http' : 'https'}://127.0.0.1:${server.address().port}/`);
});
