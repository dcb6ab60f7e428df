// A Node `ws` client that follows a plan, for the listen --exec tests.
// Usage: node node_exec_client.cjs URL PLAN, PLAN a JSON list of steps as in
// py_exec_client.py: ["send", TEXT], ["recv"], ["close"], ["wait_close"].
'use strict';
const WebSocket = require('ws');

const [url, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const ws = new WebSocket(url, { perMessageDeflate: false });
const inbox = [];
let waiter = null;
let closed = null;
ws.on('message', (data, isBinary) => {
  inbox.push(isBinary ? { binary: Buffer.from(data).toString('hex') } : { text: data.toString() });
  if (waiter) waiter();
});
ws.on('close', (code, reason) => {
  closed = { closed: code, reason: reason.toString() };
  if (waiter) waiter();
});
ws.on('unexpected-response', (req, res) => { out({ status: res.statusCode }); process.exit(0); });
ws.on('error', (e) => { out({ error: String(e) }); process.exit(1); });

function wake(timeoutMs) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nothing in ${timeoutMs} ms`)), timeoutMs);
    waiter = () => { clearTimeout(t); waiter = null; resolve(); };
  });
}

async function run() {
  await new Promise((resolve) => ws.once('open', resolve));
  out({ open: true });
  for (const step of plan) {
    if (step[0] === 'send') {
      ws.send(step[1]);
      out({ sent: step[1] });
    } else if (step[0] === 'recv') {
      while (inbox.length === 0) await wake(10000);
      out(inbox.shift());
    } else if (step[0] === 'close') {
      ws.close(1000);
      while (!closed) await wake(5000);
      out({ left: true });
    } else if (step[0] === 'wait_close') {
      for (;;) {
        while (inbox.length) out(inbox.shift());
        if (closed) break;
        await wake(10000);
      }
      out(closed);
    }
  }
  process.exit(0);
}
run().catch((e) => { out({ error: String(e) }); process.exit(1); });
