package io.quire.engine.trace;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * Reads an editing trace ({@code *.json.gz}, or plain {@code *.json}) with Jackson streaming:
 * <pre>
 *   { "startContent": "...", "endContent": "...",
 *     "txns": [ { "time": "...", "patches": [ [pos, numDeleted, "inserted"], ... ] }, ... ] }
 * </pre>
 * Unknown fields are skipped; {@code startContent} defaults to empty.
 */
public final class TraceReader
{
    private static final JsonFactory JSON = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
        .build();

    private String name;
    private int edits;
    private int[] positions = new int[1024];
    private int[] deleteCounts = new int[1024];
    private int[] insertStarts = new int[1024];
    private int[] insertLengths = new int[1024];
    private char[] insertChars = new char[4096];
    private int charsUsed;

    private TraceReader()
    {
    }

    /**
     * @param file a trace file; gzip-compressed if its name ends in {@code .gz}.
     * @return the decoded trace, named after the file without {@code .json.gz}.
     * @throws TraceFormatException if the file is not a trace.
     * @throws IOException          if the file cannot be read.
     */
    public static Trace read(final Path file) throws IOException
    {
        final String fileName = file.getFileName().toString();
        final String name = fileName.replaceFirst("(\\.json)?(\\.gz)?$", "");
        try (InputStream raw = Files.newInputStream(file);
            InputStream in = fileName.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw))
        {
            return read(name, in);
        }
    }

    /**
     * @param name the trace's name.
     * @param in   the JSON text, uncompressed.
     * @return the decoded trace.
     * @throws TraceFormatException if the text is not a trace.
     * @throws IOException          if the stream cannot be read.
     */
    public static Trace read(final String name, final InputStream in) throws IOException
    {
        final TraceReader reader = new TraceReader();
        reader.name = name;
        try (JsonParser p = JSON.createParser(in))
        {
            return reader.parse(p);
        }
        catch (final JsonProcessingException ex)
        {
            throw new TraceFormatException("malformed JSON: " + ex.getOriginalMessage() +
                (ex.getLocation() == null ? "" : " at " + ex.getLocation().offsetDescription()));
        }
    }

    private Trace parse(final JsonParser p) throws IOException
    {
        String startContent = "";
        String endContent = null;
        boolean sawTxns = false;
        expect(p.nextToken() == JsonToken.START_OBJECT, "the trace must be a JSON object");
        while (p.nextToken() == JsonToken.FIELD_NAME)
        {
            final String field = p.currentName();
            final JsonToken value = p.nextToken();
            switch (field)
            {
                case "startContent":
                    expect(value == JsonToken.VALUE_STRING, "startContent must be a string");
                    startContent = p.getText();
                    break;
                case "endContent":
                    expect(value == JsonToken.VALUE_STRING, "endContent must be a string");
                    endContent = p.getText();
                    break;
                case "txns":
                    expect(value == JsonToken.START_ARRAY, "txns must be an array");
                    readTxns(p);
                    sawTxns = true;
                    break;
                default:
                    p.skipChildren();
                    break;
            }
        }
        expect(p.currentToken() == JsonToken.END_OBJECT, "unexpected end of the trace");
        expect(endContent != null, "no endContent");
        expect(sawTxns, "no txns");
        return new Trace(name, startContent, endContent, edits,
            Arrays.copyOf(positions, edits), Arrays.copyOf(deleteCounts, edits),
            Arrays.copyOf(insertStarts, edits), Arrays.copyOf(insertLengths, edits),
            Arrays.copyOf(insertChars, charsUsed));
    }

    private void readTxns(final JsonParser p) throws IOException
    {
        int txn = 0;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.START_OBJECT)
        {
            while (p.nextToken() == JsonToken.FIELD_NAME)
            {
                final String field = p.currentName();
                final JsonToken value = p.nextToken();
                if ("patches".equals(field))
                {
                    expect(value == JsonToken.START_ARRAY, "txns[" + txn + "].patches must be an array");
                    while (p.nextToken() == JsonToken.START_ARRAY)
                    {
                        readPatch(p, txn);
                    }
                    expect(p.currentToken() == JsonToken.END_ARRAY,
                        "txns[" + txn + "].patches must hold only [pos, numDeleted, \"inserted\"] arrays");
                }
                else
                {
                    p.skipChildren();
                }
            }
            txn++;
        }
        expect(t == JsonToken.END_ARRAY, "txns must hold only objects");
    }

    private void readPatch(final JsonParser p, final int txn) throws IOException
    {
        final String where = "txns[" + txn + "] patch " + edits;
        expect(p.nextToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT &&
            p.getIntValue() >= 0, where + ": pos must be a non-negative int");
        final int pos = p.getIntValue();
        expect(p.nextToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT &&
            p.getIntValue() >= 0, where + ": numDeleted must be a non-negative int");
        final int deleted = p.getIntValue();
        expect(p.nextToken() == JsonToken.VALUE_STRING, where + ": the inserted text must be a string");
        final int len = p.getTextLength();
        ensureCapacity(len);
        System.arraycopy(p.getTextCharacters(), p.getTextOffset(), insertChars, charsUsed, len);
        expect(p.nextToken() == JsonToken.END_ARRAY, where + ": a patch is [pos, numDeleted, \"inserted\"]");
        positions[edits] = pos;
        deleteCounts[edits] = deleted;
        insertStarts[edits] = charsUsed;
        insertLengths[edits] = len;
        charsUsed += len;
        edits++;
    }

    private void ensureCapacity(final int chars)
    {
        if (edits == positions.length)
        {
            final int n = edits * 2;
            positions = Arrays.copyOf(positions, n);
            deleteCounts = Arrays.copyOf(deleteCounts, n);
            insertStarts = Arrays.copyOf(insertStarts, n);
            insertLengths = Arrays.copyOf(insertLengths, n);
        }
        if (charsUsed + chars > insertChars.length)
        {
            insertChars = Arrays.copyOf(insertChars, Math.max(charsUsed + chars, insertChars.length * 2));
        }
    }

    private static void expect(final boolean condition, final String message) throws TraceFormatException
    {
        if (!condition)
        {
            throw new TraceFormatException(message);
        }
    }
}
