'use strict';
// Closed-loop load with the real sharedb client: each client submits a one-character edit, waits for its ack (the
// submitOp callback), repeats. A warm-up (not measured) comes first, then a fixed measured interval; ops are counted
// and timed only when both their submit and their ack fall inside it.
//
//   node loadgen.js URL docs clientsPerDoc seconds [warmupSeconds]
//     -> one JSON line {docs, clientsPerDoc, seconds, acked, opsPerSec, p50Ms, p90Ms, p99Ms, maxMs, converged}
//
// At the end every client's text is compared with a fresh fetch of its document; the script exits 1 if any differ.
const q = require('./quire-client');
const url = process.argv[2];
const docsCount = Number(process.argv[3] || 1);
const perDoc = Number(process.argv[4] || 20);
const seconds = Number(process.argv[5] || 10);
const warmupSeconds = Number(process.argv[6] || 2);

q.run(async () => {
  const run = 'load-' + Date.now() + '-' + process.pid;
  const clients = [];
  for (let d = 0; d < docsCount; d++) {
    for (let i = 0; i < perDoc; i++) {
      const {connection} = q.connect(url);
      const doc = connection.get('bench', run + '-' + d);
      doc.on('error', (e) => { if (e.code !== 'ERR_DOC_ALREADY_CREATED') console.error('doc', e.code, e.message); });
      clients.push({connection, doc});
    }
  }
  // Create each document from one client first, so the others do not race to create it.
  await Promise.all(clients.filter((c, i) => i % perDoc === 0).map((c) => q.subscribeOrCreate(c.doc, '')));
  await Promise.all(clients.filter((c, i) => i % perDoc !== 0).map((c) => q.subscribeOrCreate(c.doc, '')));

  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const latencies = [];
  const begin = now();
  const measureFrom = begin + warmupSeconds * 1000;
  const measureTo = measureFrom + seconds * 1000;
  await Promise.all(clients.map(async ({doc}) => {
    while (now() < measureTo) {
      const length = q.codePoints(doc.data);
      const pos = Math.floor(Math.random() * (length + 1));
      // Keep documents small: past 2000 code points, delete instead of insert.
      const op = length > 2000 ? (pos >= length ? [{d: 1}] : (pos === 0 ? [{d: 1}] : [pos, {d: 1}])) :
        (pos === 0 ? ['x'] : [pos, 'x']);
      const t0 = now();
      await q.promisify((cb) => doc.submitOp(op, cb));
      const t1 = now();
      if (t0 >= measureFrom && t1 <= measureTo) latencies.push(t1 - t0);
    }
  }));
  await Promise.all(clients.map((c) => q.promisify((cb) => c.doc.whenNothingPending(cb))));

  // Convergence: a fresh connection fetches each document; every client's copy must equal it.
  const {connection: checker} = q.connect(url);
  let converged = true;
  for (let d = 0; d < docsCount; d++) {
    const fresh = checker.get('bench', run + '-' + d);
    await q.promisify((cb) => fresh.fetch(cb));
    await q.waitFor(() => clients.slice(d * perDoc, (d + 1) * perDoc).every((c) => c.doc.version === fresh.version),
      10000, 'clients of doc ' + d + ' at version ' + fresh.version);
    for (const c of clients.slice(d * perDoc, (d + 1) * perDoc)) {
      if (c.doc.data !== fresh.data) {
        converged = false;
        console.error('DIVERGED doc ' + d + ': client v' + c.doc.version + ' vs fetch v' + fresh.version);
      }
    }
  }
  checker.close();
  clients.forEach((c) => c.connection.close());
  if (!converged) throw new Error('clients did not converge');

  latencies.sort((x, y) => x - y);
  const pct = (p) => latencies.length === 0 ? NaN :
    latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  const r = (x) => +x.toFixed(2);
  return {docs: docsCount, clientsPerDoc: perDoc, seconds, warmupSeconds, acked: latencies.length,
    opsPerSec: Math.round(latencies.length / seconds), p50Ms: r(pct(0.5)), p90Ms: r(pct(0.9)), p99Ms: r(pct(0.99)),
    maxMs: r(latencies[latencies.length - 1]), converged};
});
