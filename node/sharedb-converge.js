'use strict';
// (b) N sharedb clients edit one document concurrently with random message delays; all converge with each other and
// with a fresh fetch. node sharedb-converge.js URL [clients=10] [opsPerClient=40] [maxDelayMs=15]
const q = require('./quire-client');
const url = process.argv[2];
const clients = Number(process.argv[3] || 10);
const opsPerClient = Number(process.argv[4] || 40);
const maxDelayMs = Number(process.argv[5] || 15);
const alphabet = ['a', 'b', 'c', 'é', '😀', ' ', 'Z', '\n'];

function randomOp(doc) {
  const length = q.codePoints(doc.data);
  if (length > 0 && Math.random() < 0.35) {
    const pos = Math.floor(Math.random() * length);
    const n = 1 + Math.floor(Math.random() * Math.min(3, length - pos));
    return pos === 0 ? [{d: n}] : [pos, {d: n}];
  }
  const pos = Math.floor(Math.random() * (length + 1));
  let text = '';
  for (let i = 1 + Math.floor(Math.random() * 3); i > 0; i--) text += alphabet[Math.floor(Math.random() * alphabet.length)];
  return pos === 0 ? [text] : [pos, text];
}

q.run(async () => {
  const id = 'converge-' + Date.now();
  const conns = [];
  const docs = [];
  for (let i = 0; i < clients; i++) {
    const {connection} = q.connect(url, {maxDelayMs});
    const doc = connection.get('docs', id);
    doc.on('error', (e) => console.error('doc', i, e.code, e.message));
    conns.push(connection);
    docs.push(doc);
  }
  await Promise.all(docs.map((d) => q.subscribeOrCreate(d, 'start')));
  let acked = 0;
  await Promise.all(docs.map(async (doc) => {
    for (let k = 0; k < opsPerClient; k++) {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      await q.promisify((cb) => doc.submitOp(randomOp(doc), cb));
      acked++;
    }
  }));
  await Promise.all(docs.map((d) => q.withTimeout(q.promisify((cb) => d.whenNothingPending(cb)), 20000, 'pending')));
  const expected = 1 + clients * opsPerClient;
  await q.waitFor(() => docs.every((d) => d.version === expected), 20000,
    'every client at v' + expected + ' (have ' + docs.map((d) => d.version).join(',') + ')');
  const texts = new Set(docs.map((d) => d.data));
  if (texts.size !== 1) throw new Error('clients diverged: ' + JSON.stringify([...texts]));
  const fresh = q.connect(url).connection.get('docs', id);
  await q.promisify((cb) => fresh.fetch(cb));
  if (fresh.data !== docs[0].data || fresh.version !== expected) {
    throw new Error('fresh fetch differs: v' + fresh.version + ' ' + JSON.stringify(fresh.data) + ' vs ' +
      JSON.stringify(docs[0].data));
  }
  fresh.connection.close();
  conns.forEach((c) => c.close());
  return {clients, acked, version: fresh.version, length: q.codePoints(fresh.data)};
});
