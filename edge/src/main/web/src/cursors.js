// Other people's cursors and selections: a CodeMirror state field of decorations (a caret with the person's name,
// a tinted selection), replaced whenever their presence changes and mapped through every edit in between.
import {StateEffect, StateField, RangeSetBuilder} from '@codemirror/state';
import {Decoration, EditorView, WidgetType} from '@codemirror/view';

export const setRemoteCursors = StateEffect.define();

class CaretWidget extends WidgetType {
  constructor(name, color) {
    super();
    this.name = name;
    this.color = color;
  }

  eq(other) {
    return other.name === this.name && other.color === this.color;
  }

  toDOM() {
    const caret = document.createElement('span');
    caret.className = 'cm-remote-caret';
    caret.style.borderColor = this.color;
    caret.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'cm-remote-name';
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    caret.appendChild(label);
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

/** @param cursors [{from, to, head, name, color}] in UTF-16 units of the current document. */
function decorations(cursors, docLength) {
  const ranges = [];
  for (const c of cursors) {
    const from = Math.max(0, Math.min(c.from, docLength));
    const to = Math.max(from, Math.min(c.to, docLength));
    const head = Math.max(0, Math.min(c.head, docLength));
    if (to > from) {
      ranges.push({from, to, deco: Decoration.mark({
        class: 'cm-remote-selection',
        attributes: {style: `background-color: ${c.color}33`},
      })});
    }
    ranges.push({from: head, to: head, deco: Decoration.widget({widget: new CaretWidget(c.name, c.color), side: 1})});
  }
  ranges.sort((a, b) => a.from - b.from || a.to - b.to);
  const builder = new RangeSetBuilder();
  for (const r of ranges) builder.add(r.from, r.to, r.deco);
  return builder.finish();
}

export const remoteCursors = StateField.define({
  create() {
    return Decoration.none;
  },
  update(value, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setRemoteCursors)) return decorations(effect.value, tr.newDoc.length);
    }
    return tr.docChanged ? value.map(tr.changes) : value;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const PALETTE = ['#d6336c', '#1c7ed6', '#2b8a3e', '#e8590c', '#7048e8', '#0c8599', '#c2255c', '#5f3dc4'];

/** A stable colour for a name. */
export function colorFor(name) {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}
