// The history panel: versions with time and author from the edge's history endpoint (ShareDB's protocol carries
// neither), grouped into runs of one author's edits; any version can be viewed read-only (ShareDB nf) and restored
// as a new edit.
import {apiHeaders} from './auth.js';

const PAGE = 200;
const RUN_GAP_MS = 60_000;

/** @return the history URL of a document. */
export function historyUrl(collection, id, params) {
  const query = new URLSearchParams(params).toString();
  return `/api/docs/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/history${query ? '?' + query : ''}`;
}

/** Fetch one page: {entries (oldest first), version}. */
export async function fetchHistory(collection, id, params = {limit: PAGE}) {
  const response = await fetch(historyUrl(collection, id, params), {headers: apiHeaders({Accept: 'application/json'})});
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error ? body.error.message : response.statusText);
    error.code = body.error && body.error.code;
    throw error;
  }
  return {entries: body, version: Number(response.headers.get('X-Quire-Version'))};
}

/**
 * Runs of consecutive entries by one author less than a minute apart, newest first. Each run is shown as the version
 * after its last op (ShareDB snapshot version = op version + 1).
 */
export function groupRuns(entries) {
  const runs = [];
  for (const e of entries) {
    const who = e.author || e.src;
    const last = runs[runs.length - 1];
    if (last && last.who === who && e.kind === 'edit' && last.kind === 'edit' && e.time - last.end <= RUN_GAP_MS) {
      last.version = e.v + 1;
      last.end = e.time;
      last.ins += e.ins;
      last.del += e.del;
      last.ops++;
    } else {
      runs.push({who, author: e.author, src: e.src, kind: e.kind, version: e.v + 1, first: e.v, start: e.time,
        end: e.time, ins: e.ins, del: e.del, ops: 1});
    }
  }
  return runs.reverse();
}

function formatTime(ms) {
  const date = new Date(ms);
  const sameDay = new Date().toDateString() === date.toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

export class HistoryPanel {
  /**
   * @param elements {panel, list, older, status}
   * @param options  {nameOf(src, author), onSelect(run)}
   */
  constructor(elements, options) {
    Object.assign(this, elements);
    this.options = options;
    this.entries = [];
    this.doc = null;
    this.loading = null;
    this.older.addEventListener('click', () => this.loadOlder());
  }

  open(collection, id) {
    this.collection = collection;
    this.id = id;
    this.entries = [];
    return this.refresh();
  }

  /** Reload the newest page (keeping older pages already shown). */
  async refresh() {
    if (!this.id) return;
    const key = this.collection + '/' + this.id;
    try {
      this.status.textContent = 'Loading…';
      const {entries} = await fetchHistory(this.collection, this.id, {limit: PAGE});
      if (key !== this.collection + '/' + this.id) return;
      const first = entries.length ? entries[0].v : Infinity;
      this.entries = this.entries.filter((e) => e.v < first).concat(entries);
      this.status.textContent = '';
      this.render();
    } catch (err) {
      this.status.textContent = 'History unavailable: ' + err.message;
    }
  }

  async loadOlder() {
    const oldest = this.entries.length ? this.entries[0].v : 0;
    if (oldest === 0) return;
    const from = Math.max(0, oldest - PAGE);
    try {
      const {entries} = await fetchHistory(this.collection, this.id, {from, limit: oldest - from});
      this.entries = entries.concat(this.entries.filter((e) => e.v >= oldest));
      this.render();
    } catch (err) {
      this.status.textContent = 'Older history unavailable: ' + err.message;
    }
  }

  render() {
    const runs = groupRuns(this.entries);
    this.list.replaceChildren(...runs.map((run) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'version';
      button.dataset.version = String(run.version);
      const title = document.createElement('span');
      title.className = 'version-title';
      title.textContent = run.kind === 'create' ? `Version ${run.version} · created` :
        run.kind === 'delete' ? `Version ${run.version} · deleted` : `Version ${run.version}`;
      const meta = document.createElement('span');
      meta.className = 'version-meta';
      const time = document.createElement('time');
      time.dateTime = new Date(run.end).toISOString();
      time.textContent = formatTime(run.end);
      const who = document.createElement('span');
      who.className = 'version-author';
      who.textContent = this.options.nameOf(run.src, run.author);
      const size = document.createElement('span');
      size.className = 'version-size';
      size.textContent = `+${run.ins} −${run.del}` + (run.ops > 1 ? ` · ${run.ops} edits` : '');
      meta.append(time, ' · ', who, ' · ', size);
      button.append(title, meta);
      button.addEventListener('click', () => this.options.onSelect(run));
      item.appendChild(button);
      return item;
    }));
    this.older.hidden = !(this.entries.length && this.entries[0].v > 0);
    if (!runs.length) this.status.textContent = 'No versions yet.';
  }
}
