'use strict';
// Closed-loop load with the real sharedb client: each client submits an insert, waits for its ack, repeats.
// node loadgen.js URL docs clientsPerDoc seconds  -> JSON {acked, opsPerSec, p50Ms, p99Ms}
const q = require('./quire-client');
const url = process.argv[2];
const docsCount = Number(process.argv[3] || 1);
const perDoc = Number(process.argv[4] || 20);
const seconds = Number(process.argv[5] || 10);

q.run(async () => {
  const run = 'load-' + Date.now();
  const clients = [];
  for (let d = 0; d < docsCount; d++) {
    for (let i = 0; i < perDoc; i++) {
      const {connection} = q.connect(url);
      const doc = connection.get('bench', run + '-' + d);
      doc.on('error', (e) => console.error('doc', e.code, e.message));
      clients.push({connection, doc});
    }
  }
  await Promise.all(clients.map((c) => q.subscribeOrCreate(c.doc, '')));
  const latencies = [];
  let stop = false;
  const start = Date.now();
  setTimeout(() => { stop = true; }, seconds * 1000);
  await Promise.all(clients.map(async ({doc}) => {
    while (!stop) {
      const length = q.codePoints(doc.data);
      const pos = Math.floor(Math.random() * (length + 1));
      const op = length > 2000 ? [{d: 1}] : (pos === 0 ? ['x'] : [pos, 'x']);
      const t0 = process.hrtime.bigint();
      await q.promisify((cb) => doc.submitOp(op, cb));
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  const elapsed = (Date.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  clients.forEach((c) => c.connection.close());
  return {docs: docsCount, clientsPerDoc: perDoc, seconds: elapsed, acked: latencies.length,
    opsPerSec: Math.round(latencies.length / elapsed), p50Ms: +pct(0.5).toFixed(2), p99Ms: +pct(0.99).toFixed(2)};
});
