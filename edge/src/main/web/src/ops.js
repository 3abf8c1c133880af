// Code points (what text-unicode ops count) versus UTF-16 units (what JavaScript strings and CodeMirror count).
// "😀" is one code point and two units: every position crossing the wire is converted here.

/** @return the number of code points in s (a lone surrogate counts as one, as unicount does for a pair start). */
export function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** @return the UTF-16 offset reached by advancing `count` code points from UTF-16 offset `from` in s. */
export function advance(s, from, count) {
  let i = from;
  for (let n = 0; n < count && i < s.length; n++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
      (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/** @return the code point index of UTF-16 offset `unit` in s. */
export function unitToCodePoint(s, unit) {
  return codePoints(s.slice(0, unit));
}

/** @return the UTF-16 offset of code point index `cp` in s. */
export function codePointToUnit(s, cp) {
  return advance(s, 0, cp);
}

/** Append a component to a text-unicode op, merging with the last one as ot-text-unicode's normalize would. */
function push(op, comp) {
  if (comp === 0 || comp === '' || (typeof comp === 'object' && comp.d === 0)) return;
  const last = op[op.length - 1];
  if (typeof comp === 'number' && typeof last === 'number') {
    op[op.length - 1] = last + comp;
  } else if (typeof comp === 'string' && typeof last === 'string') {
    op[op.length - 1] = last + comp;
  } else if (typeof comp === 'object' && last !== undefined && typeof last === 'object') {
    last.d += comp.d;
  } else {
    op.push(comp);
  }
}

function trim(op) {
  if (typeof op[op.length - 1] === 'number') op.pop();
  return op;
}

/**
 * A CodeMirror ChangeSet (positions in UTF-16 units of the old document) as one text-unicode op (code points).
 * @param changes the ChangeSet.
 * @param oldDoc  the CodeMirror Text it applies to.
 */
export function changesToOp(changes, oldDoc) {
  const op = [];
  let unit = 0;
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    push(op, codePoints(oldDoc.sliceString(unit, fromA)));
    push(op, {d: codePoints(oldDoc.sliceString(fromA, toA))});
    push(op, inserted.toString());
    unit = toA;
  });
  return trim(op);
}

/**
 * A text-unicode op as CodeMirror change specs (UTF-16 units) against `text`, the string it applies to.
 */
export function opToChanges(op, text) {
  const changes = [];
  let unit = 0;
  for (const comp of op) {
    if (typeof comp === 'number') {
      unit = advance(text, unit, comp);
    } else if (typeof comp === 'string') {
      changes.push({from: unit, insert: comp});
    } else {
      const n = typeof comp.d === 'number' ? comp.d : codePoints(comp.d);
      const to = advance(text, unit, n);
      changes.push({from: unit, to});
      unit = to;
    }
  }
  return changes;
}

/**
 * One text-unicode op that turns `from` into `to` (strings): a Myers diff over code points, inside the common prefix
 * and suffix. When the texts differ too much for the diff's budget, the middle is replaced wholesale.
 */
export function diffToOp(from, to, maxEdits = 2000) {
  const a = [...from];
  const b = [...to];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const op = [];
  push(op, start);
  const script = myers(a.slice(start, endA), b.slice(start, endB), maxEdits);
  if (script) {
    for (const [kind, value] of script) {
      push(op, kind === '=' ? value : kind === '-' ? {d: value} : value);
    }
  } else {
    push(op, {d: endA - start});
    push(op, b.slice(start, endB).join(''));
  }
  return trim(op);
}

/**
 * Myers' O(ND) shortest edit script between arrays a and b as runs ['=', count] | ['-', count] | ['+', text], or
 * null beyond maxEdits.
 */
function myers(a, b, maxEdits) {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return [];
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, d, offset);
    }
  }
  return null;
}

function backtrack(trace, a, b, dEnd, offset) {
  const steps = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      steps.push(['=', 1]);
      x--;
      y--;
    }
    steps.push(x === prevX ? ['+', b[prevY]] : ['-', 1]);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    steps.push(['=', 1]);
    x--;
    y--;
  }
  steps.reverse();
  // Runs, with deletes before inserts where they meet (either order is valid text-unicode).
  const runs = [];
  for (const [kind, value] of steps) {
    const lastRun = runs[runs.length - 1];
    if (lastRun && lastRun[0] === kind) {
      lastRun[1] += value;
    } else {
      runs.push([kind, value]);
    }
  }
  return runs;
}
