'use strict';
// The measurement floor for bench-ws: the least a server speaking ShareDB's wire protocol can do for text-unicode
// documents with ONE writer each. It answers the handshake, subscribes and fetches from an in-memory map, applies each
// op with ot-text-unicode, acknowledges it and sends it to the document's other subscribers. No transform (an op
// against an old version is refused), no persistence, no auth, no presence: what is left of an op's latency against
// it is the load generator, the kernel's loopback, the ws library and node's event loop. A server cannot beat this on
// the same machine, so it bounds what a side-by-side run here can show.
//
//   node floor-server.js [--port 0] [--host 127.0.0.1]
//
// Prints `floor ready ws://127.0.0.1:<port>/ws` once it listens; SIGTERM or SIGINT closes every socket and exits 0.
const http = require('http');
const crypto = require('crypto');
const otText = require('ot-text-unicode');
const WebSocket = require('ws');

const TYPE = otText.type.uri;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// key "c\u0000d" -> {v, type (null until created), data, ops: [{src, seq, op}] by version, subscribers: Set<ws>}
const docs = new Map();

function doc(c, d) {
  const key = c + '\u0000' + d;
  let entry = docs.get(key);
  if (!entry) {
    entry = {v: 0, type: null, data: undefined, ops: [], subscribers: new Set()};
    docs.set(key, entry);
  }
  return entry;
}

function send(ws, message) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

function snapshot(entry) {
  return {v: entry.v, type: entry.type, data: entry.data};
}

function read(ws, m, subscribe) {
  const entry = doc(m.c, m.d);
  if (subscribe) entry.subscribers.add(ws);
  if (typeof m.v !== 'number') {
    send(ws, {a: m.a, c: m.c, d: m.d, data: snapshot(entry)});
    return;
  }
  for (let v = m.v; v < entry.v; v++) {
    const o = entry.ops[v];
    send(ws, Object.assign({a: 'op', c: m.c, d: m.d, v, src: o.src, seq: o.seq}, o.body));
  }
  send(ws, {a: m.a, c: m.c, d: m.d});
}

function op(ws, m) {
  const entry = doc(m.c, m.d);
  const src = m.src || ws.src;
  const error = (code, message) => send(ws, {a: 'op', c: m.c, d: m.d, v: m.v, src, seq: m.seq,
    error: {code, message}});
  if (m.v !== entry.v) {
    error('ERR_OP_VERSION_MISMATCH', 'floor server: op at version ' + m.v + ' of ' + entry.v + ' (no transform)');
    return;
  }
  let body;
  if (m.create) {
    if (entry.type !== null) return error('ERR_DOC_ALREADY_CREATED', 'Document already exists');
    entry.type = TYPE;
    entry.data = otText.type.create(m.create.data || '');
    body = {create: {type: TYPE, data: entry.data}};
  } else if (m.del) {
    entry.type = null;
    entry.data = undefined;
    body = {del: true};
  } else {
    if (entry.type === null) return error('ERR_DOC_DOES_NOT_EXIST', 'Document does not exist');
    try {
      entry.data = otText.type.apply(entry.data, m.op);
    } catch (err) {
      return error('ERR_OT_OP_NOT_APPLIED', String(err.message || err));
    }
    body = {op: m.op};
  }
  const v = entry.v++;
  entry.ops.push({src, seq: m.seq, body});
  send(ws, {a: 'op', c: m.c, d: m.d, v, src, seq: m.seq});
  const broadcast = Object.assign({a: 'op', c: m.c, d: m.d, v, src, seq: m.seq}, body);
  for (const other of entry.subscribers) {
    if (other !== ws) send(other, broadcast);
  }
}

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, {'content-type': 'text/plain'});
  res.end(req.url === '/healthz' ? 'ok\n' : 'not found\n');
});
const wss = new WebSocket.Server({server, path: '/ws'});
wss.on('connection', (ws) => {
  ws.src = crypto.randomBytes(8).toString('hex');
  ws.on('message', (data, isBinary) => {
    let m;
    try {
      m = JSON.parse(data.toString());
    } catch (err) {
      ws.close(1003);
      return;
    }
    if (isBinary || m === null || typeof m !== 'object') return;
    switch (m.a) {
      case 'hs':
        send(ws, {a: 'hs', protocol: 1, protocolMinor: 1, id: ws.src, type: 'http://sharedb.org/types/JSONv0'});
        break;
      case 's':
      case 'f':
        read(ws, m, m.a === 's');
        break;
      case 'u':
        doc(m.c, m.d).subscribers.delete(ws);
        send(ws, {a: 'u', c: m.c, d: m.d});
        break;
      case 'op':
        op(ws, m);
        break;
      default:
        break;
    }
  });
  ws.on('close', () => {
    for (const entry of docs.values()) entry.subscribers.delete(ws);
  });
});

const host = arg('--host', '127.0.0.1');
server.listen(Number(arg('--port', '0')), host, () => {
  console.log('floor ready ws://' + host + ':' + server.address().port + '/ws');
});

function stop() {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
