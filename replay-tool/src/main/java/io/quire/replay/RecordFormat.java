package io.quire.replay;

import com.fasterxml.jackson.core.JsonGenerator;
import io.quire.codec.CodecConstants;
import io.quire.engine.ot.TextOp;
import io.quire.engine.shard.HistoryEntry;

import java.io.IOException;

/**
 * Renders a {@link RecordView} as one line of text or one JSON object (JSON lines). The op is ShareDB's JSON form
 * ({@code [5, "inserted", {"d": 2}]}); a create shows its type and initial text.
 */
public final class RecordFormat
{
    private static final int MAX_EXCERPT = 60;

    private RecordFormat()
    {
    }

    /**
     * @param r   the record.
     * @param out where to append one line (no newline).
     * @return {@code out}.
     */
    public static StringBuilder text(final RecordView r, final StringBuilder out)
    {
        out.append("lsn=").append(r.lsn()).append(' ').append(Times.iso(r.timestampNs())).append(' ');
        switch (r.type())
        {
            case OP:
                out.append(r.doc()).append(" v=").append(r.version()).append(' ').append(r.kindName()).append(' ');
                if (r.kind() == HistoryEntry.EDIT)
                {
                    r.op().appendJson(out);
                }
                else if (r.kind() == HistoryEntry.CREATE)
                {
                    out.append(CodecConstants.TEXT_UNICODE_NAME).append(' ');
                    final TextOp op = r.op();
                    TextOp.appendJsonString(out, op.size() == 0 ? "" : op.text(0));
                }
                out.append(" src=").append(r.source()).append(" seq=").append(r.seq());
                if (!r.principal().isEmpty())
                {
                    out.append(" principal=").append(r.principal());
                }
                out.append(" epoch=").append(r.epoch()).append(" shard=").append(r.shardId())
                    .append(" checksum=").append(Long.toHexString(r.checksum()))
                    .append(" cp=").append(r.codePointLength()).append(" prevLsn=").append(r.prevLsn())
                    .append(" ingressNs=").append(r.ingressNs());
                break;
            case ACL:
                out.append(r.doc()).append(" ACL user=").append(r.user()).append(" role=").append(r.role())
                    .append(" grantedBy=").append(r.grantedBy()).append(" epoch=").append(r.epoch())
                    .append(" shard=").append(r.shardId());
                break;
            case EPOCH:
                out.append("EPOCH epoch=").append(r.epoch()).append(" previousEpoch=").append(r.previousEpoch())
                    .append(" node=").append(r.nodeId()).append(" role=").append(r.role());
                break;
            default:
                out.append("UNKNOWN templateId=").append(r.templateId()).append(" bytes=").append(r.length());
                break;
        }
        return out;
    }

    /**
     * @param r    the record.
     * @param json where to write one object.
     * @throws IOException if writing fails.
     */
    public static void json(final RecordView r, final JsonGenerator json) throws IOException
    {
        json.writeStartObject();
        json.writeNumberField("lsn", r.lsn());
        json.writeStringField("excerptIndex", "0x" + Long.toHexString(r.excerptIndex()));
        json.writeNumberField("position", r.position());
        json.writeStringField("type", r.type().name());
        json.writeNumberField("timestampNs", r.timestampNs());
        json.writeStringField("time", Times.iso(r.timestampNs()));
        switch (r.type())
        {
            case OP:
                json.writeStringField("collection", r.collection());
                json.writeStringField("docId", r.docId());
                json.writeNumberField("version", r.version());
                json.writeStringField("kind", r.kindName());
                if (r.kind() == HistoryEntry.EDIT)
                {
                    json.writeFieldName("op");
                    json.writeRawValue(r.op().toJson());
                }
                else if (r.kind() == HistoryEntry.CREATE)
                {
                    json.writeStringField("createType", CodecConstants.TEXT_UNICODE_URI);
                    json.writeStringField("createData", r.op().size() == 0 ? "" : r.op().text(0));
                }
                json.writeStringField("source", r.source());
                json.writeNumberField("seq", r.seq());
                json.writeStringField("principal", r.principal());
                json.writeNumberField("epoch", r.epoch());
                json.writeNumberField("shard", r.shardId());
                json.writeStringField("checksum", Long.toHexString(r.checksum()));
                json.writeNumberField("codePointLength", r.codePointLength());
                json.writeNumberField("prevLsn", r.prevLsn());
                json.writeNumberField("ingressNs", r.ingressNs());
                json.writeStringField("docHash", Long.toHexString(r.docHash()));
                break;
            case ACL:
                json.writeStringField("collection", r.collection());
                json.writeStringField("docId", r.docId());
                json.writeStringField("user", r.user());
                json.writeStringField("role", r.role());
                json.writeStringField("grantedBy", r.grantedBy());
                json.writeNumberField("epoch", r.epoch());
                json.writeNumberField("shard", r.shardId());
                break;
            case EPOCH:
                json.writeNumberField("epoch", r.epoch());
                json.writeNumberField("previousEpoch", r.previousEpoch());
                json.writeNumberField("node", r.nodeId());
                json.writeStringField("role", r.role());
                break;
            default:
                json.writeNumberField("templateId", r.templateId());
                json.writeNumberField("bytes", r.length());
                break;
        }
        json.writeEndObject();
    }

    /**
     * A JSON generator for JSON lines: one value per line, no separator of its own; the caller ends each line.
     *
     * @param out where to write.
     * @return the generator (does not close {@code out}).
     * @throws IOException if it cannot be created.
     */
    public static JsonGenerator jsonLines(final java.io.Writer out) throws IOException
    {
        final JsonGenerator json = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)
            .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        json.setRootValueSeparator(null);
        return json;
    }

    /**
     * A short, escaped excerpt of a text for one-line output.
     *
     * @param text the text.
     * @return at most {@value #MAX_EXCERPT} code points in JSON string form, "…" marking a cut.
     */
    public static String excerpt(final String text)
    {
        final int cps = text.codePointCount(0, text.length());
        if (cps <= MAX_EXCERPT)
        {
            return TextOp.appendJsonString(new StringBuilder(), text).toString();
        }
        final String head = text.substring(0, text.offsetByCodePoints(0, MAX_EXCERPT - 1));
        final StringBuilder out = TextOp.appendJsonString(new StringBuilder(), head + "…");
        return out.toString();
    }
}
