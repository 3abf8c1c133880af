/**
 * Editing traces ({@code ../shared/traces}): decoding them ({@link io.quire.engine.trace.TraceReader}), replaying
 * them through the OT core ({@link io.quire.engine.trace.TraceReplay}) and the {@code scripts/quire trace} command
 * ({@link io.quire.engine.trace.TraceCommand}).
 */
package io.quire.engine.trace;
