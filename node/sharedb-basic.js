'use strict';
// (a) Create and subscribe, fetch, bulk subscribe, historic snapshot: node sharedb-basic.js ws://127.0.0.1:PORT/ws
const q = require('./quire-client');
const url = process.argv[2];

q.run(async () => {
  const id = 'basic-' + Date.now();
  const a = q.connect(url).connection;
  const docA = a.get('docs', id);
  docA.on('error', (e) => console.error('docA', e.message));
  await q.promisify((cb) => docA.subscribe(cb));
  if (docA.type !== null || docA.version !== 0) throw new Error('new doc should have type null, v0: ' + docA.version);
  await q.promisify((cb) => docA.create('héllo', 'text-unicode', cb));
  await q.promisify((cb) => docA.submitOp([5, ' wörld 😀'], cb));
  if (docA.data !== 'héllo wörld 😀' || docA.version !== 2) throw new Error('A: ' + docA.data + ' v' + docA.version);

  const b = q.connect(url).connection;
  const docB = b.get('docs', id);
  docB.on('error', (e) => console.error('docB', e.message));
  await q.promisify((cb) => docB.fetch(cb));
  if (docB.data !== 'héllo wörld 😀' || docB.version !== 2) throw new Error('B fetch: ' + docB.data);
  await q.promisify((cb) => docB.subscribe(cb));
  const seen = new Promise((resolve) => docB.on('op', (op, local) => { if (!local) resolve(op); }));
  await q.promisify((cb) => docA.submitOp([12, {d: 1}], cb));
  await q.withTimeout(seen, 5000, 'B sees the delete');
  if (docB.data !== 'héllo wörld ' || docB.version !== 3) throw new Error('B after delete: ' + docB.data);

  const c = q.connect(url).connection;
  const other = c.get('docs', id + '-other');
  const again = c.get('docs', id);
  c.startBulk();
  const subs = Promise.all([q.promisify((cb) => other.subscribe(cb)), q.promisify((cb) => again.subscribe(cb))]);
  c.endBulk();
  await q.withTimeout(subs, 5000, 'bulk subscribe');
  if (again.data !== 'héllo wörld ' || other.type !== null) throw new Error('bulk: ' + again.data + ' ' + other.type);

  const snapshot = await q.promisify((cb) => c.fetchSnapshot('docs', id, 1, cb));
  if (snapshot.data !== 'héllo' || snapshot.v !== 1) throw new Error('snapshot at v1: ' + JSON.stringify(snapshot));

  const pong = new Promise((resolve) => c.once('pong', resolve));
  c.ping();
  await q.withTimeout(pong, 5000, 'pong');

  a.close();
  b.close();
  c.close();
  return {data: docB.data, version: docB.version};
});
