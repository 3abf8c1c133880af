/**
 * The {@code text-unicode} OT core: {@link io.quire.engine.ot.TextOp} (a reusable op),
 * {@link io.quire.engine.ot.TextUnicode} (ShareDB's type, a port of {@code ot-text-unicode@4.0.0} checked against it
 * by a differential test) and {@link io.quire.engine.ot.Rope} (the document text). Pure code: no SBE, Disruptor or
 * Aeron, so the engine, recovery and the replay tool rebuild documents with exactly the same code.
 */
package io.quire.engine.ot;
