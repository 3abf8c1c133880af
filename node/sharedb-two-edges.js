'use strict';
// Clients on two edges (separate processes, engines behind them over Aeron UDP) edit the same documents:
//   node sharedb-two-edges.js ws://EDGE_A/ws ws://EDGE_B/ws COLLECTION IDS CLIENTS_PER_EDGE OPS_PER_CLIENT
// IDS: comma-separated document ids, or a count N for doc-0..doc-(N-1). Every client subscribes to every document
// and inserts or deletes at random positions; afterwards every client, and a fresh fetch through each edge, must
// hold the same text for each document.
const q = require('./quire-client');
const [urlA, urlB, collection, docsArg, perEdgeArg, opsArg] = process.argv.slice(2);
const IDS = /^\d+$/.test(docsArg || '8') ? Array.from({length: Number(docsArg || 8)}, (_, d) => 'doc-' + d) :
  docsArg.split(',');
const DOCS = IDS.length;
const PER_EDGE = Number(perEdgeArg || 2);
const OPS = Number(opsArg || 40);

q.run(async () => {
  const clients = [];
  for (const url of [urlA, urlB]) {
    for (let i = 0; i < PER_EDGE; i++) {
      const connection = q.connect(url).connection;
      const docs = [];
      for (let d = 0; d < DOCS; d++) {
        const doc = connection.get(collection, IDS[d]);
        doc.on('error', (e) => { throw e; });
        docs.push(doc);
      }
      clients.push({url, connection, docs});
    }
  }
  for (const client of clients) {
    for (const doc of client.docs) await q.subscribeOrCreate(doc, '');
  }
  await Promise.all(clients.map(async (client, c) => {
    for (let n = 0; n < OPS; n++) {
      const doc = client.docs[Math.floor(Math.random() * DOCS)];
      const length = q.codePoints(doc.data);
      const pos = Math.floor(Math.random() * (length + 1));
      const op = length > 4 && Math.random() < 0.25 ? [pos > 0 ? pos - 1 : 0, {d: 1}].filter((x) => x !== 0) :
        (pos > 0 ? [pos, 'c' + c + 'é😀'] : ['c' + c + 'é😀']);
      await q.promisify((cb) => doc.submitOp(op, cb));
      await new Promise((r) => setTimeout(r, Math.random() * 10));
    }
  }));
  const texts = [];
  for (let d = 0; d < DOCS; d++) {
    const expectedVersion = Math.max(...clients.map((c) => c.docs[d].version));
    await q.waitFor(() => clients.every((c) => c.docs[d].version === expectedVersion && !c.docs[d].hasPending()),
      20000, IDS[d] + ' to settle on every client');
    const text = clients[0].docs[d].data;
    for (const client of clients) {
      if (client.docs[d].data !== text) throw new Error(IDS[d] + ' diverged between clients');
    }
    for (const url of [urlA, urlB]) {
      const check = q.connect(url).connection;
      const fresh = check.get(collection, IDS[d]);
      await q.promisify((cb) => fresh.fetch(cb));
      check.close();
      if (fresh.data !== text || fresh.version !== expectedVersion) {
        throw new Error(IDS[d] + ' through ' + url + ': v' + fresh.version + ' differs');
      }
    }
    texts.push({doc: IDS[d], version: expectedVersion, codePoints: q.codePoints(text)});
  }
  for (const client of clients) client.connection.close();
  return {clients: clients.length, docs: texts};
});
