'use strict';
// Differential oracle for Quire's Java text-unicode port: runs the pinned reference ot-text-unicode@4.0.0.
//
// stdin:  one JSON case per line, e.g.
//   {"fn":"apply","doc":"abc","op":[1,{"d":1}]}
//   {"fn":"transform","op":[2,"A"],"other":[2,"B"],"side":"left"}
//   {"fn":"compose","a":[...],"b":[...]}
//   {"fn":"normalize","op":[...]}
//   {"fn":"transformPosition","pos":3,"op":[...]}
//   {"fn":"makeInvertible","doc":"abc","op":[...]}   {"fn":"invert","op":[...]}   {"fn":"stripInvertible","op":[...]}
//   {"fn":"checkOp","op":[...]}
// stdout: one line per case, in order: {"result":<JSON.stringify of the result>} or {"error":"<message>"}.

const readline = require('readline');
const { type } = require('ot-text-unicode');

function run(c) {
  switch (c.fn) {
    case 'apply': return type.apply(c.doc, c.op);
    case 'transform': return type.transform(c.op, c.other, c.side);
    case 'compose': return type.compose(c.a, c.b);
    case 'normalize': return type.normalize(c.op);
    case 'transformPosition': return type.transformPosition(c.pos, c.op);
    case 'transformSelection': return type.transformSelection(c.sel, c.op);
    case 'makeInvertible': return type.makeInvertible(c.op, c.doc);
    case 'invert': return type.invert(c.op);
    case 'stripInvertible': return type.stripInvertible(c.op);
    case 'checkOp': type.checkOp(c.op); return true;
    default: throw Error('unknown fn: ' + c.fn);
  }
}

const out = [];
const flush = () => {
  if (out.length > 0) {
    process.stdout.write(out.join(''));
    out.length = 0;
  }
};

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.length === 0) return;
  let result;
  try {
    result = JSON.stringify({ result: run(JSON.parse(line)) });
  } catch (e) {
    result = JSON.stringify({ error: String(e && e.message) });
  }
  out.push(result + '\n');
  if (out.length >= 1024) flush();
});
rl.on('close', flush);
