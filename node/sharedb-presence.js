'use strict';
// (d) Presence from one client reaches the others, moves with concurrent edits, and disappears (p:null) when its
// connection closes. node sharedb-presence.js URL
const q = require('./quire-client');
const url = process.argv[2];

function remoteValue(presence, id) {
  return presence.remotePresences[id];
}

q.run(async () => {
  const id = 'presence-' + Date.now();
  const peers = [];
  for (const name of ['A', 'B', 'C']) {
    const {connection} = q.connect(url);
    const doc = connection.get('docs', id);
    doc.on('error', (e) => console.error(name, 'doc', e.code, e.message));
    await q.subscribeOrCreate(doc, '0123456789');
    const presence = connection.getDocPresence('docs', id);
    presence.on('error', (e) => console.error(name, 'presence', e.code, e.message));
    await q.promisify((cb) => presence.subscribe(cb));
    peers.push({name, connection, doc, presence});
  }
  const [a, b, c] = peers;
  const local = a.presence.create('cursor-a');
  await q.promisify((cb) => local.submit({index: 5, length: 2}, cb));
  for (const p of [b, c]) {
    await q.waitFor(() => remoteValue(p.presence, 'cursor-a') && remoteValue(p.presence, 'cursor-a').index === 5,
      5000, p.name + ' sees A at 5');
  }
  // B types three characters before A's cursor: everyone's view of A's cursor moves to 8.
  await q.promisify((cb) => b.doc.submitOp(['XYZ'], cb));
  await q.waitFor(() => c.doc.version === b.doc.version, 5000, 'C receives the edit');
  for (const p of [b, c]) {
    await q.waitFor(() => remoteValue(p.presence, 'cursor-a').index === 8, 5000, p.name + ' sees A moved to 8');
  }
  // A's own cursor moves when A's doc receives B's op, which B and C seeing the move does not imply: wait for it too.
  await q.waitFor(() => a.doc.version === b.doc.version, 5000, 'A receives the edit');
  if (local.value.index !== 8) throw new Error('A local cursor ' + JSON.stringify(local.value));
  // A re-sends its presence at its (now current) version; a late joiner D is told about it through pr.
  await q.promisify((cb) => local.submit({index: 9, length: 0}, cb));
  const {connection: dConn} = q.connect(url);
  const dDoc = dConn.get('docs', id);
  await q.promisify((cb) => dDoc.subscribe(cb));
  const dPresence = dConn.getDocPresence('docs', id);
  await q.promisify((cb) => dPresence.subscribe(cb));
  await q.waitFor(() => remoteValue(dPresence, 'cursor-a') && remoteValue(dPresence, 'cursor-a').index === 9,
    5000, 'late joiner sees A at 9');
  // A's connection goes away: its presence is nulled for everyone.
  const gone = [b, c].map((p) => new Promise((resolve) => p.presence.on('receive', (pid, value) => {
    if (pid === 'cursor-a' && value === null) resolve();
  })));
  a.connection.close();
  await q.withTimeout(Promise.all(gone), 5000, 'p:null after A closed');
  await q.waitFor(() => !('cursor-a' in dPresence.remotePresences), 5000, 'D drops A');
  [b, c].forEach((p) => p.connection.close());
  dConn.close();
  return {movedTo: 8};
});
