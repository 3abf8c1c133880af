'use strict';
// Document roles through the real sharedb client, against a server with JWT authentication:
//   node sharedb-permissions.js ws://127.0.0.1:PORT/ws ALICE_TOKEN BOB_TOKEN CAROL_TOKEN
// alice (token in the Authorization header) creates a document and owns it; bob (token in ?token=) is granted viewer
// over the HTTP ACL API: he reads, his op is refused with ERR_FORBIDDEN and rolled back; carol (a stranger) cannot
// subscribe; alice grants bob editor and his edit goes through; the API answers 400/403/404 as documented; a socket
// with an invalid token never opens (HTTP 401).
const q = require('./quire-client');
const [url, aliceToken, bobToken, carolToken] = process.argv.slice(2);
const http = url.replace(/^ws/, 'http').replace(/\/ws$/, '');

async function api(method, path, token, body) {
  const res = await fetch(http + path, {
    method,
    headers: Object.assign({Authorization: 'Bearer ' + token}, body === undefined ? {} : {'Content-Type': 'application/json'}),
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  return {status: res.status, body: text ? JSON.parse(text) : null};
}

function expectStatus(res, status, what, code) {
  if (res.status !== status) throw new Error(what + ': HTTP ' + res.status + ' ' + JSON.stringify(res.body));
  // Every API error has the WebSocket's error shape: {"error": {"code", "message"}}.
  if (status >= 400) {
    const error = res.body && res.body.error;
    if (!error || typeof error.message !== 'string' || (code ? error.code !== code : !/^ERR_/.test(error.code))) {
      throw new Error(what + ': error body ' + JSON.stringify(res.body) + (code ? ', expected ' + code : ''));
    }
  }
}

q.run(async () => {
  const id = 'perm-' + Date.now();
  const path = '/api/docs/docs/' + id + '/acl';

  const alice = q.connect(url, {bearer: aliceToken}).connection;
  const docA = alice.get('docs', id);
  docA.on('error', (e) => { throw e; });
  await q.subscribeOrCreate(docA, 'hello');
  const acl = await api('GET', path, aliceToken);
  expectStatus(acl, 200, 'owner reads the ACL');
  if (JSON.stringify(acl.body.acl) !== JSON.stringify([{user: 'alice', role: 'owner'}])) {
    throw new Error('creator is the owner: ' + JSON.stringify(acl.body));
  }

  expectStatus(await api('PUT', path + '/bob', bobToken, {role: 'owner'}), 403, 'a stranger cannot grant', 'ERR_FORBIDDEN');
  expectStatus(await api('PUT', path + '/bob', aliceToken, {role: 'admin'}), 400, 'unknown role', 'ERR_MESSAGE_BADLY_FORMED');
  expectStatus(await api('PUT', path + '/bob', aliceToken, 'not json'), 400, 'bad body');
  expectStatus(await api('GET', '/api/docs/docs/no-such-' + id + '/acl', aliceToken), 404, 'missing document', 'ERR_DOC_DOES_NOT_EXIST');
  const noToken = await fetch(http + path);
  if (noToken.status !== 401) throw new Error('no token: HTTP ' + noToken.status);
  const granted = await api('PUT', path + '/bob', aliceToken, {role: 'viewer'});
  expectStatus(granted, 200, 'grant viewer');
  if (granted.body.acl.length !== 2 || granted.body.acl[1].role !== 'viewer') throw new Error(JSON.stringify(granted.body));

  // bob passes his token in the query string, as a browser must.
  const bob = q.connect(url + '?token=' + encodeURIComponent(bobToken)).connection;
  const docB = bob.get('docs', id);
  const bobErrors = [];
  docB.on('error', (e) => bobErrors.push(e));
  await q.promisify((cb) => docB.subscribe(cb));
  if (docB.data !== 'hello') throw new Error('viewer reads: ' + docB.data);
  expectStatus(await api('GET', path, bobToken), 200, 'a viewer reads the ACL');
  let refused = null;
  await new Promise((resolve) => docB.submitOp([5, ' from bob'], (err) => { refused = err; resolve(); }));
  if (!refused || refused.code !== 'ERR_FORBIDDEN') throw new Error('viewer op must be ERR_FORBIDDEN: ' + refused);
  await q.waitFor(() => !docB.hasWritePending(), 5000, 'rollback');
  if (docB.data !== 'hello') throw new Error('viewer op rolled back: ' + JSON.stringify(docB.data));
  await q.promisify((cb) => docA.fetch(cb));
  if (docA.data !== 'hello') throw new Error('owner copy untouched: ' + docA.data);

  const carol = q.connect(url, {bearer: carolToken}).connection;
  const docC = carol.get('docs', id);
  docC.on('error', () => {});
  let carolError = null;
  await new Promise((resolve) => docC.subscribe((err) => { carolError = err; resolve(); }));
  if (!carolError || carolError.code !== 'ERR_FORBIDDEN') throw new Error('stranger subscribe: ' + carolError);
  if (docC.data !== undefined) throw new Error('stranger got data: ' + docC.data);

  expectStatus(await api('PUT', path + '/bob', aliceToken, {role: 'editor'}), 200, 'grant editor');
  const seen = new Promise((resolve) => docA.on('op', (op, local) => { if (!local) resolve(op); }));
  await q.promisify((cb) => docB.submitOp([5, ' & bob'], cb));
  await q.withTimeout(seen, 5000, 'owner sees the editor op');
  if (docA.data !== 'hello & bob' || docB.data !== 'hello & bob') throw new Error('edit: ' + docA.data);
  let deleteError = null;
  await new Promise((resolve) => docB.del((err) => { deleteError = err; resolve(); }));
  if (!deleteError || deleteError.code !== 'ERR_FORBIDDEN') throw new Error('editor delete must be refused: ' + deleteError);
  expectStatus(await api('PUT', path + '/alice', aliceToken, {role: 'none'}), 409, 'the last owner stays');

  const opened = await new Promise((resolve) => {
    const ws = new q.WebSocket(url + '?token=not-a-jwt');
    ws.on('open', () => resolve('open'));
    ws.on('unexpected-response', (req, res) => resolve('http ' + res.statusCode));
    ws.on('error', (e) => resolve('error ' + e.message));
  });
  if (opened !== 'http 401') throw new Error('invalid token: ' + opened);

  alice.close();
  bob.close();
  carol.close();
  return {data: docA.data, bobErrors: bobErrors.length, invalidToken: opened};
});
