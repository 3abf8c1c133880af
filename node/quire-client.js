'use strict';
// Shared helpers for the real-sharedb-client tests: the text-unicode type with a transformPresence for
// {index, length} cursors (stock ot-text-unicode has none, see the wire protocol notes section 7), connections over
// plain or reconnecting sockets, optional random message delays that keep each direction's order, and bounded waits.
const ShareDB = require('sharedb/lib/client');
const otText = require('ot-text-unicode');
const WebSocket = require('ws');

function transformCursor(pos, op, ownOp) {
  // ot-text-unicode's transformPosition leaves a cursor before text inserted exactly at it; the author's own caret
  // goes after its insert (what the engine does for the sender's presence).
  let p = 0;
  let c = pos;
  for (const comp of op) {
    if (c < p || (c === p && !ownOp)) break;
    if (typeof comp === 'number') {
      p += comp;
    } else if (typeof comp === 'string') {
      const n = [...comp].length;
      p += n;
      c += n;
    } else {
      const n = typeof comp.d === 'number' ? comp.d : [...comp.d].length;
      c -= Math.min(n, c - p);
    }
  }
  return c;
}

const textType = Object.assign({}, otText.type, {
  transformPresence(presence, op, isOwnOp) {
    if (!presence || typeof presence.index !== 'number') return presence;
    const start = transformCursor(presence.index, op, isOwnOp);
    const end = transformCursor(presence.index + (presence.length || 0), op, isOwnOp);
    return Object.assign({}, presence, {index: start, length: Math.max(0, end - start)});
  },
});
ShareDB.types.register(textType);

// A ws socket whose sends and receives are each delayed by a random 0..maxDelayMs, order preserved.
class DelayedSocket {
  constructor(url, maxDelayMs) {
    this.ws = new WebSocket(url);
    this.maxDelayMs = maxDelayMs;
    this.nextSend = 0;
    this.nextReceive = 0;
    this.onopen = this.onclose = this.onmessage = this.onerror = null;
    this.ws.onopen = (e) => this.onopen && this.onopen(e);
    this.ws.onclose = (e) => setTimeout(() => this.onclose && this.onclose(e), this.wait('nextReceive'));
    this.ws.onerror = (e) => this.onerror && this.onerror(e);
    this.ws.onmessage = (e) => setTimeout(() => this.onmessage && this.onmessage(e), this.wait('nextReceive'));
  }
  wait(key) {
    const now = Date.now();
    this[key] = Math.max(this[key], now) + Math.floor(Math.random() * (this.maxDelayMs + 1));
    return this[key] - now;
  }
  get readyState() { return this.ws.readyState; }
  send(data) {
    setTimeout(() => { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data); }, this.wait('nextSend'));
  }
  close(code, reason) { this.ws.close(code, reason); }
}

function connect(url, options = {}) {
  // options.bearer: a JWT sent in the Authorization header (browsers cannot; they use ?token= in the url).
  const wsOptions = options.bearer ? {headers: {Authorization: 'Bearer ' + options.bearer}} : undefined;
  const socket = options.maxDelayMs ? new DelayedSocket(url, options.maxDelayMs) : new WebSocket(url, wsOptions);
  const connection = new ShareDB.Connection(socket);
  connection.on('error', (err) => console.error('connection error', err && err.message));
  return {connection, socket};
}

function promisify(fn) {
  return new Promise((resolve, reject) => fn((err, result) => err ? reject(err) : resolve(result)));
}

async function subscribeOrCreate(doc, initial = '') {
  await promisify((cb) => doc.subscribe(cb));
  if (!doc.type) {
    try {
      await promisify((cb) => doc.create(initial, 'text-unicode', cb));
    } catch (err) {
      if (err.code !== 'ERR_DOC_ALREADY_CREATED') throw err;
      await waitFor(() => doc.type, 5000, 'doc type after a lost create race');
    }
  }
}

async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out: ' + what)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function codePoints(s) {
  return [...s].length;
}

function run(main) {
  const guard = setTimeout(() => { console.error('FAIL: script timeout'); process.exit(3); }, 110000);
  main().then((result) => {
    clearTimeout(guard);
    console.log(JSON.stringify(Object.assign({ok: true}, result || {})));
    process.exit(0);
  }, (err) => {
    clearTimeout(guard);
    console.error('FAIL:', err && err.stack || err);
    process.exit(1);
  });
}

// A reconnecting-websocket as the crash and failover tests use it: maxEnqueuedMessages 0 (ShareDB resubmits its
// inflight op itself after a reconnect), quick retries.
function reconnecting(url) {
  const ReconnectingWebSocket = require('reconnecting-websocket');
  const socket = new ReconnectingWebSocket(url, [], {
    WebSocket, maxEnqueuedMessages: 0, minReconnectionDelay: 100 + Math.random() * 100,
    maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.3, connectionTimeout: 2000,
  });
  // ws calls every message listener; reconnecting-websocket's must not see a message of a socket it dropped.
  const original = socket._handleMessage;
  socket._handleMessage = (event) => {
    if (socket._ws && socket._ws.readyState !== WebSocket.OPEN) return;
    return original(event);
  };
  return socket;
}

module.exports = {ShareDB, otText, WebSocket, connect, promisify, subscribeOrCreate, waitFor, withTimeout,
  codePoints, run, transformCursor, reconnecting};
