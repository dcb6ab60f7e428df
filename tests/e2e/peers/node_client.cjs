// A Node `ws` client for wskit echo's end-to-end tests. Prints one JSON
// object per line on stdout. Usage: node node_client.cjs MODE URL [ARG]
//   checks URL      text, binary, 0 B text and binary, 16 MiB binary and a
//                   ping, each {"check": NAME, "ok": BOOL, "detail": ...}
//   hold URL        connect, print {"open": true}, wait until the server
//                   closes, print {"closed": CODE, "reason": R}
//   handshake URL   try to connect; print {"open": true} or {"status": CODE}
//   oversize URL N  send a binary message of N bytes; print how it ended:
//                   {"echo": LEN} or {"closed": CODE}
//   talk URL [TEXT] connect, print {"open": true}, send TEXT, print each
//                   message {"message": TEXT}, then {"closed": CODE, ...}
//   subprotocols URL A,B  connect offering subprotocols A and B; print
//                   {"open": true, "protocol": CHOSEN}, or {"error": MESSAGE}
//                   when ws fails the handshake
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

const [mode, url, arg] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const protocols = mode === 'subprotocols' && arg ? arg.split(',') : [];
const ws = new WebSocket(url, protocols, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });

function next(event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} in 10 s`)), 10000);
    ws.once(event, (...a) => { clearTimeout(t); resolve(a); });
  });
}

async function checks() {
  await next('open');
  const roundtrip = async (name, data, binary) => {
    ws.send(data, { binary });
    const [got, isBinary] = await next('message');
    const same = isBinary === binary && Buffer.compare(Buffer.from(got), Buffer.from(data)) === 0;
    out({ check: name, ok: same, detail: `sent ${binary ? 'binary' : 'text'} ${Buffer.byteLength(data)}, got ${isBinary ? 'binary' : 'text'} ${got.length}` });
  };
  await roundtrip('text', 'héllo from node ✓', false);
  await roundtrip('binary', Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from([0xff, 0xfe])]), true);
  await roundtrip('empty-text', '', false);
  await roundtrip('empty-binary', Buffer.alloc(0), true);
  await roundtrip('16MiB', crypto.randomBytes(16 * 1024 * 1024), true);
  ws.ping(Buffer.from('are you there?'));
  const [pong] = await next('pong');
  out({ check: 'ping', ok: pong.toString() === 'are you there?', detail: `pong payload ${JSON.stringify(pong.toString())}` });
  ws.close(1000);
  const [code] = await next('close');
  out({ check: 'close', ok: code === 1000, detail: `close code ${code}` });
}

async function hold() {
  await next('open');
  out({ open: true });
  const [code, reason] = await next('close').catch(() => new Promise((r) => ws.once('close', (...a) => r(a))));
  out({ closed: code, reason: reason.toString() });
}

async function talk() {
  ws.on('message', (data, isBinary) => out(isBinary ? { binary: data.toString('hex') } : { message: data.toString() }));
  await next('open');
  out({ open: true });
  if (arg !== undefined) ws.send(arg);
  const [code, reason] = await new Promise((r) => ws.once('close', (...a) => r(a)));
  out({ closed: code, reason: reason.toString() });
}

async function handshake() {
  ws.on('unexpected-response', (req, res) => { out({ status: res.statusCode }); process.exit(0); });
  await next('open');
  out({ open: true });
  ws.close();
}

async function oversize() {
  await next('open');
  ws.send(Buffer.alloc(Number(arg), 0x78));
  ws.on('message', (data) => { out({ echo: data.length }); ws.close(); });
  const [code] = await new Promise((r) => ws.once('close', (...a) => r(a)));
  out({ closed: code });
}

async function subprotocols() {
  const failed = new Promise((resolve) => ws.once('error', (e) => resolve({ error: e.message })));
  const opened = next('open').then(() => ({ open: true, protocol: ws.protocol }));
  out(await Promise.race([opened, failed]));
  ws.close(1000);
}

ws.on('error', (e) => { if (mode !== 'handshake' && mode !== 'subprotocols') console.error(`error: ${e.message}`); });
({ checks, hold, handshake, oversize, talk, subprotocols })[mode]().then(
  () => setTimeout(() => process.exit(0), 10),
  (e) => { console.error(e.message); process.exit(1); });
