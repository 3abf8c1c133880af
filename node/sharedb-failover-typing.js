'use strict';
// Clients typing while the engine behind the edge fails over (the Java test kills the primary and promotes its
// standby); the edge is expected to ride through it without dropping a socket:
//   node sharedb-failover-typing.js ws://127.0.0.1:PORT/ws DOC_PREFIX DOCS CLIENTS TYPING_MS
// Every client (reconnecting-websocket, maxEnqueuedMessages 0, as sharedb-crash-typing.js) subscribes to one document
// shared by all (PREFIX-all) and to one of DOCS others (PREFIX-<c % DOCS>), and inserts unique tokens at the start of
// both, alternately. When typing stops and nothing is pending, each document must hold every acknowledged token
// exactly once, no token twice, no token whose op was refused; every client's copy must equal a fresh fetch. The
// result counts the sockets' 'open' events: one per client means no client reconnected.
const q = require('./quire-client');
const [url, prefix, docsArg, clientsArg, typingArg] = process.argv.slice(2);
const DOCS = Number(docsArg || 3);
const CLIENTS = Number(clientsArg || 6);
const TYPING_MS = Number(typingArg || 12000);

q.run(async () => {
  const ids = [prefix + '-all'];
  for (let d = 0; d < DOCS; d++) ids.push(prefix + '-' + d);
  const perDoc = new Map(ids.map((id) => [id, {acked: new Set(), refused: new Map(), submitted: new Set()}]));
  const clients = [];
  let opens = 0;
  const closes = [];
  for (let c = 0; c < CLIENTS; c++) {
    const socket = q.reconnecting(url);
    socket.addEventListener('open', () => { opens++; });
    socket.addEventListener('close', (e) => { closes.push({client: c, code: e.code, reason: e.reason}); });
    const connection = new q.ShareDB.Connection(socket);
    connection.on('error', (e) => console.error('connection', c, e.code, e.message));
    const docs = [connection.get('docs', ids[0]), connection.get('docs', ids[1 + (c % DOCS)])];
    for (const doc of docs) doc.on('error', (e) => console.error('doc', c, doc.id, e.code, e.message));
    clients.push({socket, connection, docs});
  }
  for (const client of clients) {
    for (const doc of client.docs) await q.subscribeOrCreate(doc, '');
  }

  const stopAt = Date.now() + TYPING_MS;
  await Promise.all(clients.map(async (client, c) => {
    let n = 0;
    while (Date.now() < stopAt) {
      const doc = client.docs[n % 2];
      const token = '<' + c + '.' + (n++) + '>';
      const book = perDoc.get(doc.id);
      book.submitted.add(token);
      // Insert at 0 only: a token is never split by another client's insert.
      doc.submitOp([token], (err) => {
        if (err) book.refused.set(token, err.code); else book.acked.add(token);
      });
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }));
  for (const client of clients) {
    for (const doc of client.docs) {
      await q.withTimeout(new Promise((resolve) => doc.whenNothingPending(resolve)), 60000, 'nothing pending');
    }
  }

  const check = q.connect(url).connection;
  const problems = {};
  const versions = {};
  let submitted = 0;
  let acked = 0;
  let refused = 0;
  const refusedCodes = {};
  for (const id of ids) {
    const book = perDoc.get(id);
    const fresh = check.get('docs', id);
    await q.promisify((cb) => fresh.fetch(cb));
    const text = fresh.data;
    versions[id] = fresh.version;
    const counts = new Map();
    for (const match of text.matchAll(/<\d+\.\d+>/g)) counts.set(match[0], (counts.get(match[0]) || 0) + 1);
    const lost = [...book.acked].filter((t) => (counts.get(t) || 0) !== 1);
    const duplicated = [...counts].filter(([, k]) => k > 1).map(([t]) => t);
    const landedAfterRefusal = [...book.refused.keys()].filter((t) => counts.has(t));
    const unknown = [...counts.keys()].filter((t) => !book.submitted.has(t));
    const unanswered = [...book.submitted].filter((t) => !book.acked.has(t) && !book.refused.has(t));
    if (lost.length || duplicated.length || landedAfterRefusal.length || unknown.length || unanswered.length) {
      problems[id] = {lost, duplicated, landedAfterRefusal, unknown, unanswered: unanswered.length};
    }
    for (const client of clients) {
      for (const doc of client.docs) {
        if (doc.id === id && doc.data !== text) {
          problems[id + ':diverged'] = (problems[id + ':diverged'] || 0) + 1;
        }
      }
    }
    submitted += book.submitted.size;
    acked += book.acked.size;
    refused += book.refused.size;
    for (const code of book.refused.values()) refusedCodes[code] = (refusedCodes[code] || 0) + 1;
  }
  if (Object.keys(problems).length) throw new Error(JSON.stringify(problems));
  for (const client of clients) client.socket.close();
  check.close();
  return {clients: CLIENTS, docs: ids.length, submitted, acked, refused, refusedCodes, opens, closes, versions};
});
