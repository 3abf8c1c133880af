// Quire's editor page: open or create a document named in the URL (#collection/id), edit it together with others in
// CodeMirror over the real sharedb client, see their cursors, browse and restore its history.
import ShareDB from 'sharedb/lib/client';
import {textType} from './text-type.js';
import {openSocket, socketUrl} from './socket.js';
import {createEditor, createViewer, replaceText, applyOp, EDITOR_SOURCE} from './editor.js';
import {setRemoteCursors, colorFor, remoteCursors} from './cursors.js';
import {codePoints, codePointToUnit, diffToOp} from './ops.js';
import {StatusIndicator} from './status.js';
import {HistoryPanel} from './history.js';
import {apiHeaders, pageToken, setToken, tokenQuery, tokenSubject} from './auth.js';

ShareDB.types.register(textType);

const DEFAULT_COLLECTION = 'docs';
const RESTORE_SOURCE = 'restore';
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------------------------
// Who I am: a name (kept in this browser) and its colour; the names behind sources seen here, for the history.

const names = {
  load() {
    try {
      return JSON.parse(localStorage.getItem('quire.names') || '{}');
    } catch {
      return {};
    }
  },
  remember(src, name) {
    if (!src || !name) return;
    const all = this.load();
    if (all[src] === name) return;
    all[src] = name;
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - 500))) delete all[k];
    localStorage.setItem('quire.names', JSON.stringify(all));
  },
  of(src, author) {
    return author || this.load()[src] || (src ? 'anonymous ' + src.slice(0, 6) : 'anonymous');
  },
};

function myName() {
  let name = localStorage.getItem('quire.name');
  if (!name) {
    name = (tokenSubject() || 'Guest ' + Math.floor(100 + Math.random() * 900)).slice(0, 40);
    localStorage.setItem('quire.name', name);
  }
  return name;
}

// ---------------------------------------------------------------------------------------------------------------
// One connection for the page's life; one open document at a time.

// With authentication on, the page's URL carries the JWT (?token=...): it goes on the socket and the API calls.
setToken(pageToken(location));
const {socket} = openSocket(socketUrl(location, tokenQuery()));
const connection = new ShareDB.Connection(socket);
connection.on('error', (err) => console.warn('connection error', err && err.message));

const status = new StatusIndicator($('status'));
const editor = createEditor($('editor'), {onLocalOp, onSelection: () => sendPresence()});
let current = null;

const history = new HistoryPanel(
  {panel: $('history'), list: $('history-list'), older: $('history-older'), status: $('history-status')},
  {nameOf: (src, author) => names.of(src, author), onSelect: (run) => viewVersion(run)});

connection.on('state', (state) => {
  status.render();
  if (state === 'connected') {
    names.remember(connection.id, myName());
    // The server nulled this connection's presence when it dropped: send it again.
    if (current) current.resendPresence = true;
    sendPresence();
  }
});

function parseLocation() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  if (!hash) return null;
  const slash = hash.indexOf('/');
  return slash > 0 && slash < hash.length - 1 ?
    {collection: hash.slice(0, slash), id: hash.slice(slash + 1)} : {collection: DEFAULT_COLLECTION, id: hash};
}

function route() {
  const target = parseLocation();
  if (current && target && current.collection === target.collection && current.id === target.id) return;
  closeDocument();
  $('landing').hidden = !!target;
  $('editor-area').hidden = !target;
  $('history-toggle').disabled = !target;
  $('doc-title').textContent = target ? target.id : '';
  document.title = target ? `${target.id} · Quire` : 'Quire';
  if (target) openDocument(target.collection, target.id);
}

function openDocument(collection, id) {
  const doc = connection.get(collection, id);
  const presence = connection.getDocPresence(collection, id);
  const local = presence.create();
  current = {collection, id, doc, presence, local, readOnly: false, roleKnown: false};
  const mine = current;
  status.watch(connection, doc);
  setReadOnly(false);
  // Not editable until the server has said what this user may do, so a viewer's keystrokes are never sent only to
  // be refused and undone.
  editor.setReadOnly(true);
  notice('');
  replaceText(editor.view, '');

  doc.on('error', (err) => onDocError(err));
  presence.on('error', (err) => console.warn('presence error', err && err.message));
  doc.on('load', () => showDocument());
  doc.on('create', () => showDocument());
  doc.on('del', () => notice('This document was deleted.'));
  doc.on('before op', (op, source) => {
    // Ops typed here are in the editor already; every other op (remote, a restore, a rollback) is applied to it.
    if (source !== EDITOR_SOURCE && doc.type) applyOp(editor.view, op, doc.data);
  });
  doc.on('op', () => {
    status.render();
    scheduleCursors();
    scheduleHistoryRefresh();
  });
  doc.on('nothing pending', () => status.saved());
  presence.on('receive', (presenceId, value) => {
    if (value && value.src && value.name) names.remember(value.src, value.name);
    scheduleCursors();
  });

  fetchRole(collection, id).then(({status: code, role}) => {
    if (mine !== current) return;
    current.roleKnown = true;
    if (code === 401) {
      setReadOnly(true);
      notice('Not signed in: open this page with a valid token (…/?token=JWT#collection/name).');
    } else if (code === 403) {
      setReadOnly(true);
      notice('You do not have access to this document.');
    } else {
      setReadOnly(role === 'viewer');
    }
  });
  presence.subscribe((err) => err && console.warn('presence subscribe', err.message));
  doc.subscribe((err) => {
    if (mine !== current) return;
    if (err) {
      onDocError(err);
      return;
    }
    if (doc.type) {
      showDocument();
    } else if (!current.readOnly) {
      doc.create('', 'text-unicode', (createErr) => {
        if (createErr && createErr.code !== 'ERR_DOC_ALREADY_CREATED') onDocError(createErr);
      });
    }
  });
  if (!$('history').hidden) history.open(collection, id);
  rememberRecent(collection, id);
}

function closeDocument() {
  if (!current) return;
  const {doc, presence, local} = current;
  current = null;
  leavePast();
  local.submit(null, () => {});
  presence.destroy();
  doc.destroy();
  editor.view.dispatch({effects: setRemoteCursors.of([])});
}

function showDocument() {
  if (!current || !current.doc.type) return;
  replaceText(editor.view, current.doc.data);
  scheduleCursors();
  status.render();
}

function onLocalOp(op) {
  if (!current || !current.doc.type || op.length === 0) return;
  const doc = current.doc;
  doc.submitOp(op, {source: EDITOR_SOURCE}, (err) => err && onDocError(err));
  status.localEdit();
}

function onDocError(err) {
  const code = err && err.code || '';
  if (/FORBIDDEN|READ_ONLY|NOT_ALLOWED|PERMISSION/.test(code)) {
    if (current && current.doc.type) {
      setReadOnly(true);
      notice('You can read this document but not edit it; your change was undone.');
    } else {
      notice('You do not have access to this document.');
    }
    return;
  }
  console.warn('document error', code, err && err.message);
  if (code !== 'ERR_DOC_ALREADY_CREATED') notice(`Problem: ${err && err.message || code}`);
}

function setReadOnly(readOnly) {
  if (!current) return;
  current.readOnly = readOnly;
  editor.setReadOnly(readOnly);
  status.setReadOnly(readOnly);
  $('restore').disabled = readOnly;
  document.body.classList.toggle('read-only', readOnly);
}

/**
 * The role the server states for this document: {status: 200, role: "owner" | "editor" | "viewer"} from
 * /api/docs/{c}/{id}/role; 401 without a valid token, 403 without access. Otherwise (404: nobody created it yet, so
 * whoever does owns it; the server unreachable) role is null and the page is editable until the server refuses an edit.
 */
async function fetchRole(collection, id) {
  try {
    const response = await fetch(`/api/docs/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/role`,
      {headers: apiHeaders({Accept: 'application/json'})});
    if (!response.ok) return {status: response.status, role: null};
    const body = await response.json();
    return {status: response.status, role: body && typeof body.role === 'string' ? body.role : null};
  } catch {
    return {status: 0, role: null};
  }
}

function notice(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

// ---------------------------------------------------------------------------------------------------------------
// Presence: my selection (code points) with my name and colour; everyone else's as decorations.

function sendPresence() {
  if (!current || !current.doc.type || connection.state !== 'connected') return;
  const sel = editor.view.state.selection.main;
  const text = current.doc.data;
  const from = codePoints(text.slice(0, sel.from));
  const length = codePoints(text.slice(sel.from, sel.to));
  const name = myName();
  const value = {index: from, length, forward: sel.head >= sel.anchor, name, color: colorFor(name),
    src: connection.id};
  // sharedb keeps local.value moved through every op, so it is what the others see now.
  const last = current.local.value;
  if (!current.resendPresence && last && last.index === value.index && last.length === value.length &&
    last.name === value.name && last.forward === value.forward) {
    return;
  }
  current.resendPresence = false;
  current.local.submit(value, (err) => err && console.warn('presence', err.message));
}

let cursorsScheduled = false;
function scheduleCursors() {
  if (cursorsScheduled) return;
  cursorsScheduled = true;
  // After every listener of this event (sharedb transforms remote presence in its own 'op' listener).
  queueMicrotask(() => {
    cursorsScheduled = false;
    renderCursors();
  });
}

function renderCursors() {
  if (!current || !current.doc.type) return;
  const text = current.doc.data;
  const cursors = [];
  for (const [id, value] of Object.entries(current.presence.remotePresences)) {
    if (!value || typeof value.index !== 'number') continue;
    const from = codePointToUnit(text, value.index);
    const to = codePointToUnit(text, value.index + (value.length || 0));
    const name = String(value.name || 'anonymous').slice(0, 40);
    cursors.push({id, from, to, head: value.forward === false ? from : to, name,
      color: /^#[0-9a-f]{6}$/i.test(value.color || '') ? value.color : colorFor(name)});
  }
  editor.view.dispatch({effects: setRemoteCursors.of(cursors)});
}

// ---------------------------------------------------------------------------------------------------------------
// History: the panel, a read-only past version, and restoring it as a new edit.

let pastView = null;
let pastText = null;
let historyTimer = null;

function scheduleHistoryRefresh() {
  if ($('history').hidden || pastView) return;
  clearTimeout(historyTimer);
  historyTimer = setTimeout(() => history.refresh(), 1500);
}

function toggleHistory() {
  const open = $('history').hidden;
  $('history').hidden = !open;
  $('history-toggle').setAttribute('aria-expanded', String(open));
  if (open && current) history.open(current.collection, current.id);
  if (!open) leavePast();
}

function viewVersion(run) {
  if (!current) return;
  const {collection, id} = current;
  connection.fetchSnapshot(collection, id, run.version, (err, snapshot) => {
    if (err) {
      notice('Could not load version ' + run.version + ': ' + err.message);
      return;
    }
    if (!current || current.id !== id) return;
    leavePast();
    pastText = snapshot.type ? snapshot.data : '';
    pastView = createViewer($('past-editor'), pastText);
    $('past-title').textContent = `Version ${run.version} · ${new Date(run.end).toLocaleString()} · ` +
      names.of(run.src, run.author) + (snapshot.type ? '' : ' · (no document)');
    $('past').hidden = false;
    $('past').dataset.version = String(run.version);
    $('editor').hidden = true;
    $('restore').focus();
  });
}

function leavePast() {
  if (pastView) pastView.destroy();
  pastView = null;
  pastText = null;
  $('past').hidden = true;
  delete $('past').dataset.version;
  $('editor').hidden = false;
}

function restore() {
  if (!current || pastText === null || current.readOnly || !current.doc.type) return;
  const op = diffToOp(current.doc.data, pastText);
  if (op.length) {
    current.doc.submitOp(op, {source: RESTORE_SOURCE}, (err) => err && onDocError(err));
    status.localEdit();
  }
  leavePast();
  editor.view.focus();
  scheduleHistoryRefresh();
}

// ---------------------------------------------------------------------------------------------------------------
// The rest of the page.

function rememberRecent(collection, id) {
  const key = collection + '/' + id;
  let recent = [];
  try {
    recent = JSON.parse(localStorage.getItem('quire.recent') || '[]');
  } catch {
    recent = [];
  }
  recent = [key, ...recent.filter((k) => k !== key)].slice(0, 10);
  localStorage.setItem('quire.recent', JSON.stringify(recent));
  renderRecent(recent);
}

function renderRecent(recent) {
  $('recent').replaceChildren(...recent.map((key) => {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '#' + key.split('/').map(encodeURIComponent).join('/');
    link.textContent = key;
    item.appendChild(link);
    return item;
  }));
}

$('open-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('doc-name').value.trim();
  if (name) location.hash = name.includes('/') ? name : DEFAULT_COLLECTION + '/' + encodeURIComponent(name);
});
$('user-name').value = myName();
$('user-name').addEventListener('change', () => {
  const name = $('user-name').value.trim().slice(0, 40);
  if (!name) return;
  localStorage.setItem('quire.name', name);
  names.remember(connection.id, name);
  sendPresence();
});
$('history-toggle').addEventListener('click', toggleHistory);
$('history-refresh').addEventListener('click', () => history.refresh());
$('restore').addEventListener('click', restore);
$('back').addEventListener('click', () => {
  leavePast();
  editor.view.focus();
});
window.addEventListener('hashchange', route);
window.addEventListener('online', () => status.render());
window.addEventListener('offline', () => status.render());
try {
  renderRecent(JSON.parse(localStorage.getItem('quire.recent') || '[]'));
} catch {
  renderRecent([]);
}
route();

// For the browser tests and the curious: read-only views of the page's state.
window.quire = {
  text: () => editor.view.state.doc.toString(),
  docText: () => current && current.doc.data,
  version: () => current && current.doc.version,
  status: () => status.state(),
  pending: () => !!(current && current.doc.hasWritePending()),
  remoteCursors: () => current ? Object.values(current.presence.remotePresences).filter(Boolean) : [],
  remoteCarets: () => {
    const carets = [];
    editor.view.state.field(remoteCursors).between(0, editor.view.state.doc.length, (from, to, deco) => {
      if (deco.spec.widget) carets.push({pos: from, name: deco.spec.widget.name});
    });
    return carets;
  },
  readOnly: () => !!(current && current.readOnly),
  roleKnown: () => !!(current && current.roleKnown),
  notice: () => $('notice').hidden ? '' : $('notice').textContent,
  connectionState: () => connection.state,
};
