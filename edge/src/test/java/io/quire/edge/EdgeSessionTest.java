package io.quire.edge;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quire.common.Settings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The outbound queue bound and the ordering of held bulk documents, on a recording transport. */
class EdgeSessionTest
{
    private static final class Recorder implements Transport
    {
        final List<String> sent = new ArrayList<>();
        final List<Runnable> unfinished = new ArrayList<>();
        int closeCode;
        String closeReason;

        public void sendText(final String text, final Runnable onDone)
        {
            sent.add(text);
            unfinished.add(onDone);
        }

        public void ping()
        {
        }

        public void close(final int code, final String reason)
        {
            closeCode = code;
            closeReason = reason;
        }
    }

    private static EdgeSession session(final Recorder transport, final String outboundMax)
    {
        final EdgeContext ctx = new EdgeContext()
            .apply(Settings.defaults("edge", Map.of("outbound.max-bytes", outboundMax))).conclude();
        final SessionRegistry registry = new SessionRegistry();
        final EdgeMetrics metrics = new EdgeMetrics(new PrometheusRegistry(), registry, () -> null);
        return new EdgeSession(1, "src", "", transport, ctx, metrics, System.nanoTime());
    }

    @Test
    void slowConsumerIsClosedWhenItsQueueExceedsTheBound()
    {
        final Recorder t = new Recorder();
        final EdgeSession s = session(t, "64k");
        final String chunk = "x".repeat(20_000);
        s.send(chunk);
        s.send(chunk);
        s.send(chunk);
        assertThat(t.closeCode).isZero();
        assertThat(s.queuedBytes()).isEqualTo(60_000);
        t.unfinished.forEach(Runnable::run);
        assertThat(s.queuedBytes()).isZero();
        s.send(chunk);
        s.send(chunk);
        s.send(chunk);
        s.send(chunk);
        assertThat(t.closeCode).isEqualTo(1008);
        assertThat(t.closeReason).contains("slow consumer");
        final int sent = t.sent.size();
        s.send("after close");
        assertThat(t.sent).hasSize(sent);
    }

    @Test
    void oneOversizedFrameStillGoesOutOnAnEmptyQueue()
    {
        final Recorder t = new Recorder();
        final EdgeSession s = session(t, "64k");
        s.send("y".repeat(100_000));
        assertThat(t.closeCode).isZero();
        assertThat(t.sent).hasSize(1);
    }

    @Test
    void heldDocumentQueuesBroadcastsUntilItGoesLive()
    {
        final Recorder t = new Recorder();
        final EdgeSession s = session(t, "1m");
        final DocKey doc = new DocKey("c", "d");
        final EdgeSession.DocSub sub = new EdgeSession.DocSub(0, 5);
        s.docs.put(doc, sub);
        synchronized (s)
        {
            assertThat(s.deliverDocMessage(doc, "dropped while pending", false)).isFalse();
            sub.state = EdgeSession.DocSub.HELD;
            s.deliverDocMessage(doc, "op v1", false);
            s.deliverDocMessage(doc, "ack v2", true);
            assertThat(t.sent).isEmpty();
            s.send("bulk reply");
            s.goLive(doc);
            s.deliverDocMessage(doc, "op v3", false);
        }
        assertThat(t.sent).containsExactly("bulk reply", "op v1", "ack v2", "op v3");
    }
}
