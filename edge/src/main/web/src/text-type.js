// The text-unicode type with a transformPresence for {index, length, ...} cursors: stock ot-text-unicode has none
// (wire protocol notes, section 7), and the engine transforms presence with the same rule (ShardSequencer
// .transformPosition), as node/quire-client.js does for the tests.
import otText from 'ot-text-unicode';

/** Move a code point position through an op; the author's own insert at the caret puts the caret after it. */
export function transformCursor(pos, op, ownOp) {
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

export const textType = Object.assign({}, otText.type, {
  transformPresence(presence, op, isOwnOp) {
    if (!presence || typeof presence.index !== 'number') return presence;
    const start = transformCursor(presence.index, op, isOwnOp);
    const end = transformCursor(presence.index + (presence.length || 0), op, isOwnOp);
    return Object.assign({}, presence, {index: start, length: Math.max(0, end - start)});
  },
});
