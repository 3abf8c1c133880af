'use strict';
// (c) A client whose socket drops with an op in flight reconnects (reconnecting-websocket, maxEnqueuedMessages 0),
// resends, and the op lands exactly once: once when the op never got out, once when it committed but its ack was lost.
const q = require('./quire-client');
const ReconnectingWebSocket = require('reconnecting-websocket');
const url = process.argv[2];

let mode = null;       // 'drop-before-send' | 'drop-ack'
let armed = false;
let drops = 0;

// The socket class reconnecting-websocket creates: it can lose the connection exactly where the test wants.
class FlakyWebSocket extends q.WebSocket {
  constructor(address, protocols, options) {
    super(address, protocols, options);
    const self = this;
    const realSend = this.send.bind(this);
    this.send = function(data, ...rest) {
      const message = JSON.parse(data);
      if (armed && mode === 'drop-before-send' && message.a === 'op' && message.op) {
        armed = false;
        drops++;
        self.terminate();
        return;
      }
      return realSend(data, ...rest);
    };
    this.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (armed && mode === 'drop-ack' && message.a === 'op' && !message.op && !message.create && !message.del) {
        armed = false;
        drops++;
        self.terminate();
      }
    });
  }
}

function swallowDroppedAcks(socket) {
  // ws calls every message listener; reconnecting-websocket's must not see an ack swallowed by a terminated socket.
  const original = socket._handleMessage;
  socket._handleMessage = (event) => {
    if (socket._ws && socket._ws.readyState !== q.WebSocket.OPEN) return;
    return original(event);
  };
}

q.run(async () => {
  const id = 'reconnect-' + Date.now();
  const socket = new ReconnectingWebSocket(url, [], {
    WebSocket: FlakyWebSocket, maxEnqueuedMessages: 0, minReconnectionDelay: 50 + Math.random() * 50,
    maxReconnectionDelay: 300, reconnectionDelayGrowFactor: 1.3, connectionTimeout: 2000,
  });
  swallowDroppedAcks(socket);
  const connection = new q.ShareDB.Connection(socket);
  connection.on('error', (e) => console.error('connection', e.message));
  const doc = connection.get('docs', id);
  doc.on('error', (e) => console.error('doc', e.code, e.message));
  await q.subscribeOrCreate(doc, 'base');
  const results = [];
  for (const m of ['drop-before-send', 'drop-ack', 'drop-ack', 'drop-before-send']) {
    mode = m;
    armed = true;
    const marker = '<' + m + '-' + results.length + '>';
    const before = doc.version;
    await q.withTimeout(q.promisify((cb) => doc.submitOp([q.codePoints(doc.data), marker], cb)), 20000, 'ack of ' + m);
    if (armed) throw new Error('the drop for ' + m + ' never happened');
    const check = q.connect(url).connection;
    const fresh = check.get('docs', id);
    await q.promisify((cb) => fresh.fetch(cb));
    check.close();
    const count = fresh.data.split(marker).length - 1;
    if (count !== 1) throw new Error(m + ': marker landed ' + count + ' times: ' + fresh.data);
    if (fresh.version !== before + 1) throw new Error(m + ': version ' + fresh.version + ' after ' + before);
    if (doc.data !== fresh.data) throw new Error(m + ': client has ' + doc.data + ', server ' + fresh.data);
    results.push({mode: m, version: fresh.version});
  }
  socket.close();
  return {drops, results};
});
