'use strict';
// The reference ShareDB server for side-by-side benchmarks: sharedb 7.0.0's in-memory backend (ShareDB.MemoryDB and
// its in-process pub/sub) with ot-text-unicode registered, on ws://127.0.0.1:PORT/ws. Nothing is persisted.
//
//   node sharedb-reference-server.js [--port 0] [--host 127.0.0.1]
//
// Prints `sharedb ready ws://127.0.0.1:<port>/ws` once it listens (port 0 picks a free one); SIGTERM or SIGINT closes
// every socket and exits 0.
const http = require('http');
const {Duplex} = require('stream');
const ShareDB = require('sharedb');
const otText = require('ot-text-unicode');
const WebSocket = require('ws');

ShareDB.types.register(otText.type);

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// backend.listen takes a Duplex in object mode: it reads parsed client messages and writes message objects to send.
// ShareDB's docs point at @teamwork/websocket-json-stream for this; it is a few lines, so it lives here.
class WebSocketJsonStream extends Duplex {
  constructor(ws) {
    super({objectMode: true});
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.destroy(new Error('binary frame'));
        return;
      }
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch (err) {
        this.destroy(err);
        return;
      }
      this.push(message);
    });
    ws.on('close', () => {
      this.push(null);
      this.destroy();
    });
    ws.on('error', (err) => this.destroy(err));
  }

  _read() {
    // ws pushes as frames arrive; there is no pull-side flow control to apply.
  }

  _write(message, encoding, callback) {
    if (this.ws.readyState !== WebSocket.OPEN) {
      callback(new Error('socket closed'));
      return;
    }
    this.ws.send(JSON.stringify(message), callback);
  }

  _destroy(err, callback) {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(err ? 1011 : 1000);
    }
    callback(err);
  }
}

const backend = new ShareDB();
const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, {'content-type': 'text/plain'});
  res.end(req.url === '/healthz' ? 'ok\n' : 'not found\n');
});
const wss = new WebSocket.Server({server, path: '/ws'});
wss.on('connection', (ws) => {
  const stream = new WebSocketJsonStream(ws);
  stream.on('error', () => { /* a client went away mid-write; the agent closes with the stream */ });
  backend.listen(stream);
});

const host = arg('--host', '127.0.0.1');
server.listen(Number(arg('--port', '0')), host, () => {
  console.log('sharedb ready ws://' + host + ':' + server.address().port + '/ws');
});

function stop() {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close(() => backend.close(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
