'use strict';
// Clients typing while the server is killed with -9 and restarted on the same data (the Java test does the killing):
//   node sharedb-crash-typing.js ws://127.0.0.1:PORT/ws DOC_ID CLIENTS TYPING_MS
// Each client (reconnecting-websocket, maxEnqueuedMessages 0, so ShareDB resubmits its inflight op itself) inserts
// unique tokens at the start of one shared document. When typing stops and every client has nothing pending, the
// document must hold every acknowledged token exactly once, no token twice, and no token whose op was refused.
const q = require('./quire-client');
const [url, docId, clientsArg, typingArg] = process.argv.slice(2);
const CLIENTS = Number(clientsArg || 4);
const TYPING_MS = Number(typingArg || 15000);

q.run(async () => {
  const clients = [];
  const acked = new Set();
  const refused = new Map();
  const submitted = new Set();
  let reconnects = 0;
  for (let c = 0; c < CLIENTS; c++) {
    const socket = q.reconnecting(url);
    socket.addEventListener('open', () => { reconnects++; });
    const connection = new q.ShareDB.Connection(socket);
    connection.on('error', (e) => console.error('connection', c, e.code, e.message));
    const doc = connection.get('docs', docId);
    doc.on('error', (e) => console.error('doc', c, e.code, e.message));
    clients.push({socket, connection, doc});
  }
  await q.subscribeOrCreate(clients[0].doc, '');
  for (const client of clients.slice(1)) {
    await q.subscribeOrCreate(client.doc, '');
  }

  const stopAt = Date.now() + TYPING_MS;
  await Promise.all(clients.map(async (client, c) => {
    let n = 0;
    while (Date.now() < stopAt) {
      const token = '<' + c + '.' + (n++) + '>';
      submitted.add(token);
      // Insert at 0 only: a token is never split by another client's insert.
      client.doc.submitOp([token], (err) => {
        if (err) refused.set(token, err.code); else acked.add(token);
      });
      await new Promise((r) => setTimeout(r, 15 + Math.random() * 20));
    }
  }));
  for (const client of clients) {
    await q.withTimeout(new Promise((resolve) => client.doc.whenNothingPending(resolve)), 60000, 'nothing pending');
  }

  const check = q.connect(url).connection;
  const fresh = check.get('docs', docId);
  await q.promisify((cb) => fresh.fetch(cb));
  const text = fresh.data;
  const counts = new Map();
  for (const match of text.matchAll(/<\d+\.\d+>/g)) counts.set(match[0], (counts.get(match[0]) || 0) + 1);
  const lost = [...acked].filter((t) => (counts.get(t) || 0) !== 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
  const landedAfterRefusal = [...refused.keys()].filter((t) => counts.has(t));
  const unknown = [...counts.keys()].filter((t) => !submitted.has(t));
  const unanswered = [...submitted].filter((t) => !acked.has(t) && !refused.has(t));
  if (lost.length || duplicated.length || landedAfterRefusal.length || unknown.length || unanswered.length) {
    throw new Error(JSON.stringify({lost, duplicated, landedAfterRefusal, unknown, unanswered: unanswered.length}));
  }
  for (const client of clients) {
    if (client.doc.data !== text) throw new Error('a client diverged from the server');
    client.socket.close();
  }
  check.close();
  const refusedCodes = {};
  for (const code of refused.values()) refusedCodes[code] = (refusedCodes[code] || 0) + 1;
  return {submitted: submitted.size, acked: acked.size, refused: refused.size, refusedCodes, reconnects,
    version: fresh.version};
});
