// CodeMirror 6 bound to a sharedb text-unicode document. Local changes become ops at once (so the editor and
// doc.data never differ between events); remote ops become transactions that CodeMirror maps the local selection
// through; a reload of the document (first load, a rollback's re-fetch) replaces the text.
import {Annotation, Compartment, EditorState, Transaction} from '@codemirror/state';
import {EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, placeholder} from '@codemirror/view';
import {defaultKeymap, history, historyKeymap, indentWithTab} from '@codemirror/commands';
import {highlightSelectionMatches, searchKeymap} from '@codemirror/search';
import {changesToOp, opToChanges} from './ops.js';
import {remoteCursors} from './cursors.js';

/** Marks transactions that come from the document (remote ops, reloads): they are not sent back. */
const fromDocument = Annotation.define();

/** The source given to sharedb for ops typed in this editor (sharedb hands it back on the op's events). */
export const EDITOR_SOURCE = 'editor';

/** @return a read-only (or editable) configuration for a compartment. */
export function editability(readOnly) {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

/** The live editor: a CodeMirror view whose local changes go to `onLocalOp`. */
export function createEditor(parent, {onLocalOp, onSelection, readOnly = false}) {
  const access = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        EditorView.lineWrapping,
        placeholder('Start typing…'),
        keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
        EditorView.contentAttributes.of({'aria-label': 'Document text', 'aria-multiline': 'true'}),
        access.of(editability(readOnly)),
        remoteCursors,
        EditorView.updateListener.of((update) => {
          let local = false;
          for (const tr of update.transactions) {
            if (tr.annotation(fromDocument)) continue;
            local = true;
            if (tr.docChanged) onLocalOp(changesToOp(tr.changes, tr.startState.doc));
          }
          // A selection moved by a remote op is not sent: sharedb moves this page's presence through ops itself,
          // and the document's version is not yet the op's while the op is being applied.
          if (local && (update.selectionSet || update.docChanged)) onSelection(update.state);
        }),
      ],
    }),
  });
  return {
    view,
    setReadOnly(value) {
      view.dispatch({effects: access.reconfigure(editability(value))});
    },
  };
}

/** Replace the whole text (a document load), keeping the caret where it was as far as the new text allows. */
export function replaceText(view, text) {
  const head = Math.min(view.state.selection.main.head, text.length);
  view.dispatch({
    changes: {from: 0, to: view.state.doc.length, insert: text},
    selection: {anchor: head},
    annotations: [fromDocument.of(true), Transaction.addToHistory.of(false)],
  });
}

/** Apply an op from the document (remote, or a restore) to the editor; `before` is the text it applies to. */
export function applyOp(view, op, before) {
  view.dispatch({
    changes: opToChanges(op, before),
    annotations: [fromDocument.of(true), Transaction.addToHistory.of(false), Transaction.remote.of(true)],
  });
}

/** A read-only viewer of a past version. */
export function createViewer(parent, text) {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [lineNumbers(), drawSelection(), EditorView.lineWrapping, editability(true),
        EditorView.contentAttributes.of({'aria-label': 'Past version (read-only)'})],
    }),
  });
}
