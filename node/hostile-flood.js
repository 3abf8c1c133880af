'use strict';
// A flood of hostile frames from several raw sockets while a well-behaved sharedb client edits:
//   node hostile-flood.js ws://127.0.0.1:PORT/ws GOOD_TOKEN HOSTILE_TOKEN [FRAMES]
// The hostile user (authenticated, but a stranger to the good document) sends malformed JSON, unknown actions,
// wrong field types, invalid ops, lone surrogates, binary frames, oversized frames, deep nesting, subscribe floods,
// ops carrying the good client's src and handshakes claiming its id, reconnecting whenever the server closes it.
// Passes when the good client had every op acknowledged, saw no error, and its document holds exactly its own text;
// the server still answers /healthz; every hostile frame got a ShareDB-shaped error or a close with a reason.
const q = require('./quire-client');
const [url, goodToken, hostileToken, framesArg] = process.argv.slice(2);
const FRAMES = Number(framesArg || 20000);
const SOCKETS = 8;
const http = url.replace(/^ws/, 'http').replace(/\/ws$/, '');

const CLOSING = new Set(['malformed-json', 'deep-nesting', 'binary', 'oversized']);
const stats = {sent: 0, answerable: 0, byKind: {}, errors: 0, errorCodes: {}, replies: 0, closes: 0, closeCodes: {},
  closesWithoutReason: 0, connects: 0, shapeless: 0};

function hostileFrames(goodDoc, goodSrc, n) {
  const deep = '['.repeat(200) + ']'.repeat(200);
  const kinds = [
    ['malformed-json', () => '{"a":"s","c":'],
    ['unknown-action', () => '{"a":"zz' + n + '","c":"x","d":"y"}'],
    ['wrong-types', () => '{"a":"s","c":5,"d":[1],"v":"x"}'],
    ['wrong-types-op', () => '{"a":"op","c":"hostile","d":"own","v":"one","seq":{},"op":[1]}'],
    ['invalid-op', () => '{"a":"op","c":"hostile","d":"own","v":1,"seq":' + n + ',"op":[0,0,{"d":-1}]}'],
    ['op-past-end', () => '{"a":"op","c":"hostile","d":"own","v":1,"seq":' + n + ',"op":[99999,"x"]}'],
    ['lone-surrogate', () => '{"a":"op","c":"hostile","d":"own","v":1,"seq":' + n + ',"op":["\\ud800"]}'],
    ['deep-nesting', () => '{"a":"op","c":"x","d":"y","v":1,"seq":1,"op":' + deep + '}'],
    ['subscribe-flood', () => '{"a":"s","c":"hostile","d":"s' + (n % 5000) + '","v":null}'],
    ['others-src-op', () => '{"a":"op","c":"docs","d":"' + goodDoc + '","v":1,"src":"' + goodSrc + '","seq":' + n +
      ',"op":["EVIL"]}'],
    ['stranger-op', () => '{"a":"op","c":"docs","d":"' + goodDoc + '","v":1,"seq":' + n + ',"op":["EVIL"]}'],
    ['stranger-delete', () => '{"a":"op","c":"docs","d":"' + goodDoc + '","v":1,"seq":' + n + ',"del":true}'],
    ['claim-good-id', () => '{"a":"hs","id":"' + goodSrc + '","protocol":1,"protocolMinor":2}'],
    ['stranger-read', () => '{"a":"f","c":"docs","d":"' + goodDoc + '","v":null}'],
    ['binary', () => Buffer.from([1, 2, 3, 4])],
    ['oversized', () => '{"a":"pp","pad":"' + 'x'.repeat(2.5 * 1024 * 1024) + '"}'],
  ];
  // Frames that end the connection are rarer, so most of the flood reaches the protocol layer.
  const r = Math.random();
  if (r < 0.001) return kinds[15];
  if (r < 0.004) return kinds[14];
  if (r < 0.007) return kinds[0];
  if (r < 0.01) return kinds[7];
  const common = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13];
  return kinds[common[Math.floor(Math.random() * common.length)]];
}

function floodSocket(goodDoc, goodSrc, done) {
  return new Promise((resolve) => {
    const ws = new q.WebSocket(url + '?token=' + encodeURIComponent(hostileToken));
    let sentOversized = false;
    let sentHere = 2;
    let answeredHere = 0;
    stats.connects++;
    ws.on('message', (data) => {
      let m;
      answeredHere++;
      try { m = JSON.parse(data.toString()); } catch (e) { stats.shapeless++; return; }
      if (m.error) {
        stats.errors++;
        stats.errorCodes[m.error.code] = (stats.errorCodes[m.error.code] || 0) + 1;
        if (typeof m.error.message !== 'string' || !m.a) stats.shapeless++;
      } else {
        stats.replies++;
      }
    });
    ws.on('close', (code, reason) => {
      stats.closes++;
      stats.closeCodes[code] = (stats.closeCodes[code] || 0) + 1;
      // A socket closed (1009) while still writing a 2.5 MB frame may see the reset first (1006).
      if (code !== 1000 && code !== 1005 && reason.length === 0 && !(code === 1006 && sentOversized)) {
        stats.closesWithoutReason++;
      }
      resolve();
    });
    ws.on('error', () => {});
    ws.on('open', async () => {
      ws.send('{"a":"hs","id":null,"protocol":1,"protocolMinor":2}');
      ws.send('{"a":"op","c":"hostile","d":"own","v":null,"seq":1,"create":{"type":"text-unicode","data":"x"}}');
      while (ws.readyState === q.WebSocket.OPEN && !done()) {
        for (let i = 0; i < 50 && ws.readyState === q.WebSocket.OPEN && !done(); i++) {
          const [kind, make] = hostileFrames(goodDoc, goodSrc, stats.sent);
          if (CLOSING.has(kind)) {
            // Requests still at the engine when the socket closes are dropped with it: let them be answered first.
            const deadline = Date.now() + 3000;
            while (answeredHere < sentHere && Date.now() < deadline && ws.readyState === q.WebSocket.OPEN) {
              await new Promise((r) => setTimeout(r, 5));
            }
          }
          stats.sent++;
          stats.byKind[kind] = (stats.byKind[kind] || 0) + 1;
          sentOversized = sentOversized || kind === 'oversized';
          ws.send(make());
          if (CLOSING.has(kind)) {
            // The server closes on this one: what would follow could not be answered, so it goes to a new socket.
            await new Promise((r) => ws.once('close', r));
            break;
          }
          stats.answerable++;
          sentHere++;
        }
        await new Promise((r) => setTimeout(r, 5));
        while (ws.bufferedAmount > 1 << 20 && ws.readyState === q.WebSocket.OPEN) {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      // Let the last replies arrive, then leave.
      const deadline = Date.now() + 3000;
      while (answeredHere < sentHere && Date.now() < deadline && ws.readyState === q.WebSocket.OPEN) {
        await new Promise((r) => setTimeout(r, 5));
      }
      ws.close(1000, 'flood over');
    });
  });
}

q.run(async () => {
  const id = 'flood-' + Date.now();
  const good = q.connect(url, {bearer: goodToken}).connection;
  const goodErrors = [];
  good.on('error', (e) => goodErrors.push('connection: ' + e.message));
  const doc = good.get('docs', id);
  doc.on('error', (e) => goodErrors.push('doc: ' + e.message));
  await q.subscribeOrCreate(doc, '');
  const goodSrc = good.id;

  let floodOver = false;
  const flooders = [];
  for (let s = 0; s < SOCKETS; s++) {
    flooders.push((async () => {
      while (stats.sent < FRAMES) {
        await floodSocket(id, goodSrc, () => stats.sent >= FRAMES);
      }
    })());
  }
  const flood = Promise.all(flooders).then(() => { floodOver = true; });

  let expected = '';
  let acked = 0;
  const started = Date.now();
  while (!floodOver || acked < 200) {
    const piece = 'g' + acked + ';';
    await q.withTimeout(q.promisify((cb) => doc.submitOp([q.codePoints(doc.data), piece], cb)), 10000,
      'ack of good op ' + acked);
    expected += piece;
    acked++;
    if (Date.now() - started > 90000) throw new Error('flood did not finish in 90 s: ' + JSON.stringify(stats));
  }
  await flood;
  if (goodErrors.length > 0) throw new Error('the good client saw errors: ' + goodErrors.join('; '));
  if (doc.data !== expected) throw new Error('good doc differs: ' + JSON.stringify(doc.data).slice(0, 200));

  const check = q.connect(url, {bearer: goodToken}).connection;
  const fresh = check.get('docs', id);
  await q.promisify((cb) => fresh.fetch(cb));
  if (fresh.data !== expected || fresh.version !== acked + 1) {
    throw new Error('server copy differs: v' + fresh.version + ' ' + JSON.stringify(fresh.data).slice(0, 200));
  }
  const health = await fetch(http + '/healthz');
  if (health.status !== 200) throw new Error('/healthz ' + health.status);
  if (stats.sent < FRAMES) throw new Error('only ' + stats.sent + ' hostile frames sent');
  if (stats.errors + stats.replies < stats.answerable) {
    throw new Error('hostile frames left unanswered: ' + JSON.stringify(stats));
  }
  if (stats.errors === 0 || stats.closes === 0) throw new Error('no errors or closes: ' + JSON.stringify(stats));
  if (stats.closesWithoutReason > 0 || stats.shapeless > 0) throw new Error('unexplained refusals: ' + JSON.stringify(stats));
  for (const code of ['ERR_FORBIDDEN', 'ERR_MESSAGE_BADLY_FORMED']) {
    if (!stats.errorCodes[code]) throw new Error('expected some ' + code + ': ' + JSON.stringify(stats.errorCodes));
  }
  good.close();
  check.close();
  return {goodOps: acked, version: fresh.version, stats};
});
