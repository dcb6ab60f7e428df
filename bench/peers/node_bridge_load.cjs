// Load for a WebSocket-to-TCP bridge in front of a TCP echo service, for
// bench/bridge.sh. A bridge does not keep message boundaries (what comes back
// from TCP goes out in chunks as read), so this client counts bytes, not
// messages: each of N connections sends one binary message of SIZE bytes,
// waits until SIZE bytes have come back (whatever the number of messages they
// came in, each piece compared with what was sent), records that round trip,
// and sends the next one, for WARMUP + SECS seconds; only round trips that end
// in the last SECS seconds are counted.
//
//   node node_bridge_load.cjs URL [-c N] [--size BYTES] [-d SECS] [--warmup SECS] [-s SUBPROTOCOL] [--random-mask]
//   node node_bridge_load.cjs URL --verify BYTES [-s SUBPROTOCOL]
//
// Prints one JSON object on stdout: mb_per_s (bytes echoed back per second in
// the measured window, MB = 10^6 bytes), round_trips (in the window;
// round_trips_all: warm-up and the last ones too), latency_us (p50, p99,
// max of the round trips), messages_per_round_trip (how the bridge split the
// echoes), mismatches (pieces that differ from what was sent: must be 0), and
// client_cpu (this process's CPU over the window, in cores). With --verify,
// one connection sends BYTES random bytes once and prints the SHA-256 of what
// it sent and of what came back. Exits 1 on any error, mismatch or excess byte.
// Masking keys are all zero unless --random-mask: ws then skips masking, which
// it would otherwise do byte by byte in JavaScript (no bufferutil), the
// client's largest cost at 64 KiB; a bridge unmasks every byte either way.
'use strict';
const crypto = require('crypto');
const { WebSocket } = require('ws');

function usage(why) {
  process.stderr.write(`node_bridge_load: ${why}\n`);
  process.exit(2);
}
const opt = { url: null, connections: 4, size: 65536, seconds: 3, warmup: 0.5, verify: 0, protocols: [], randomMask: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  const number = () => {
    const v = Number(value());
    if (!Number.isFinite(v) || v < 0) usage(`${a}: not a number`);
    return v;
  };
  if (a === '-c' || a === '--connections') opt.connections = number();
  else if (a === '--size') opt.size = number();
  else if (a === '-d' || a === '--duration') opt.seconds = number();
  else if (a === '--warmup') opt.warmup = number();
  else if (a === '--verify') opt.verify = number();
  else if (a === '-s' || a === '--subprotocol') opt.protocols.push(value());
  else if (a === '--random-mask') opt.randomMask = true;
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (opt.url === null) opt.url = a;
  else usage(`unexpected ${a}`);
}
if (!opt.url) usage('no URL');
if (opt.connections < 1 || opt.size < 1) usage('-c and --size must be at least 1');

const nowNs = () => process.hrtime.bigint();
let failed = false;
function fail(why) {
  if (!failed) process.stderr.write(`node_bridge_load: ${why}\n`);
  failed = true;
  process.exitCode = 1;
}

function open() {
  const options = { perMessageDeflate: false, maxPayload: 0 };
  if (!opt.randomMask) options.generateMask = (mask) => mask.fill(0);
  const ws = new WebSocket(opt.url, opt.protocols, options);
  ws.binaryType = 'nodebuffer';
  ws.on('error', (e) => fail(`connection error: ${e.message}`));
  ws.on('unexpected-response', (req, res) => fail(`HTTP ${res.statusCode} instead of an upgrade`));
  return ws;
}

// Resolves once every socket has closed (or after 2 s).
function closeAll(sockets) {
  return new Promise((resolve) => {
    let open = 0;
    for (const ws of sockets) {
      if (ws.readyState === WebSocket.CLOSED) continue;
      open++;
      ws.once('close', () => { if (--open === 0) resolve(); });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
    }
    if (open === 0) resolve();
    setTimeout(() => { for (const ws of sockets) ws.terminate(); resolve(); }, 2000).unref();
  });
}

function verify() {
  const sent = crypto.randomBytes(opt.verify);
  const pieces = [];
  let got = 0;
  const ws = open();
  ws.on('open', () => ws.send(sent, { binary: true }));
  ws.on('message', (data) => {
    pieces.push(data);
    got += data.length;
    if (got < sent.length) return;
    const back = Buffer.concat(pieces);
    const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
    const result = {
      bytes_sent: sent.length, bytes_received: back.length, messages_received: pieces.length,
      sent_sha256: sha(sent), received_sha256: sha(back),
    };
    result.match = result.sent_sha256 === result.received_sha256;
    if (!result.match) fail('what came back is not what was sent');
    closeAll([ws]).then(() => process.stdout.write(JSON.stringify(result) + '\n'));
  });
  ws.on('close', () => { if (got < sent.length) fail(`closed after ${got} of ${sent.length} bytes`); });
}

function load() {
  const payload = crypto.randomBytes(opt.size);
  const sockets = [];
  const latencies = [];
  let opened = 0, measureFrom = 0n, measureTo = 0n, stopping = false;
  let roundTrips = 0, allRoundTrips = 0, messages = 0, mismatches = 0, cpuFrom = null, cpuTo = null;

  function start(ws) {
    let got = 0, pieces = 0, sentAt = 0n;
    const send = () => {
      got = 0;
      pieces = 0;
      sentAt = nowNs();
      ws.send(payload, { binary: true });
    };
    ws.on('message', (data, isBinary) => {
      if (!isBinary) fail('a text message came back');
      if (got + data.length > payload.length) {
        fail(`${got + data.length} bytes came back for ${payload.length} sent`);
        return finish();
      }
      if (payload.compare(data, 0, data.length, got, got + data.length) !== 0) mismatches++;
      got += data.length;
      pieces++;
      if (got < payload.length) return;
      const now = nowNs();
      allRoundTrips++;
      if (now >= measureFrom && now < measureTo) {
        latencies.push(Number(now - sentAt) / 1000);
        roundTrips++;
        messages += pieces;
      }
      if (now < measureTo && !stopping) send();
    });
    send();
  }

  function finish() {
    if (stopping) return;
    stopping = true;
    closeAll(sockets).then(report);
  }

  function report() {
    latencies.sort((a, b) => a - b);
    const rank = (p) => (latencies.length ? latencies[Math.max(0, Math.ceil(p * latencies.length) - 1)] : null);
    const seconds = Number(measureTo - measureFrom) / 1e9;
    const round = (v, d) => (v === null ? null : Number(v.toFixed(d)));
    const cpu = cpuTo ? (cpuTo.user + cpuTo.system) / 1e6 : 0;
    const result = {
      url: opt.url, connections: opt.connections, size: opt.size, seconds,
      round_trips: roundTrips, round_trips_all: allRoundTrips, bytes: roundTrips * opt.size,
      mb_per_s: round(roundTrips * opt.size / seconds / 1e6, 2),
      round_trips_per_s: round(roundTrips / seconds, 1),
      latency_us: { p50: round(rank(0.5), 0), p99: round(rank(0.99), 0), max: round(rank(1), 0) },
      messages_per_round_trip: roundTrips ? round(messages / roundTrips, 2) : null,
      mismatches,
      client_cpu: round(cpu / seconds, 2),
    };
    if (mismatches) fail(`${mismatches} pieces differ from what was sent`);
    if (!roundTrips) fail('no round trip completed');
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit();
  }

  for (let i = 0; i < opt.connections; i++) {
    const ws = open();
    sockets.push(ws);
    ws.on('close', () => { if (!stopping) { fail('the bridge closed a connection'); finish(); } });
    ws.on('open', () => {
      if (++opened < opt.connections) return;
      const t0 = nowNs();
      measureFrom = t0 + BigInt(Math.round(opt.warmup * 1e9));
      measureTo = measureFrom + BigInt(Math.round(opt.seconds * 1e9));
      setTimeout(() => { cpuFrom = process.cpuUsage(); }, opt.warmup * 1000);
      setTimeout(() => {
        cpuTo = process.cpuUsage(cpuFrom || undefined);
        // Let round trips still in flight end (they are not counted), then close.
        setTimeout(finish, 200);
      }, (opt.warmup + opt.seconds) * 1000);
      for (const s of sockets) start(s);
    });
  }
  setTimeout(() => { fail('timed out'); process.exit(); }, (opt.warmup + opt.seconds + 30) * 1000).unref();
}

if (opt.verify) verify();
else load();
