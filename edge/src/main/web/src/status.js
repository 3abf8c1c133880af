// The connection indicator: connected, saving… (ops in flight), offline with the number of local edits buffered,
// or read-only. It reads the sharedb connection and document, and the count of local edits not yet acknowledged.

const LABELS = {
  connected: 'Connected',
  saving: 'Saving…',
  connecting: 'Connecting…',
  offline: 'Offline',
  readonly: 'Read-only',
};

export class StatusIndicator {
  constructor(element) {
    this.element = element;
    this.connection = null;
    this.doc = null;
    this.readOnly = false;
    this.unsaved = 0;
  }

  /** Follow a connection and document. */
  watch(connection, doc) {
    this.connection = connection;
    this.doc = doc;
    this.unsaved = 0;
    this.render();
  }

  /** A local edit was handed to sharedb. */
  localEdit() {
    this.unsaved++;
    this.render();
  }

  /** Everything submitted has been acknowledged. */
  saved() {
    this.unsaved = 0;
    this.render();
  }

  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    this.render();
  }

  state() {
    const connected = this.connection && this.connection.state === 'connected';
    const pending = this.doc && this.doc.hasWritePending();
    if (!connected) {
      return this.connection && this.connection.state === 'connecting' && !pending && navigator.onLine ?
        'connecting' : 'offline';
    }
    if (this.readOnly) return 'readonly';
    return pending ? 'saving' : 'connected';
  }

  render() {
    const state = this.state();
    let text = LABELS[state];
    if (state === 'offline' && this.doc && this.doc.hasWritePending()) {
      const n = Math.max(this.unsaved, 1);
      text += ` — ${n} local edit${n === 1 ? '' : 's'} buffered`;
    }
    if (this.element.dataset.state !== state || this.element.textContent !== text) {
      this.element.dataset.state = state;
      this.element.textContent = text;
    }
  }
}
