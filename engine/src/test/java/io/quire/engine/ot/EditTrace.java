package io.quire.engine.ot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * An editing trace from {@code ../shared/traces} (format in its README), flattened to one patch per index:
 * at code point {@code pos[i]} delete {@code del[i]} code points, then insert {@code ins[i]}.
 */
record EditTrace(String startContent, String endContent, int[] pos, int[] del, String[] ins)
{
    int patches()
    {
        return pos.length;
    }

    static EditTrace load(final Path gz) throws IOException
    {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16);
            JsonParser p = new JsonFactory().createParser(in))
        {
            String start = null;
            String end = null;
            final List<Object[]> patches = new ArrayList<>();
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME)
            {
                final String field = p.currentName();
                p.nextToken();
                switch (field)
                {
                    case "startContent" -> start = p.getText();
                    case "endContent" -> end = p.getText();
                    case "txns" -> readTxns(p, patches);
                    default -> p.skipChildren();
                }
            }
            final int n = patches.size();
            final int[] pos = new int[n];
            final int[] del = new int[n];
            final String[] ins = new String[n];
            for (int i = 0; i < n; i++)
            {
                final Object[] patch = patches.get(i);
                pos[i] = (Integer)patch[0];
                del[i] = (Integer)patch[1];
                ins[i] = (String)patch[2];
            }
            return new EditTrace(start, end, pos, del, ins);
        }
    }

    private static void readTxns(final JsonParser p, final List<Object[]> out) throws IOException
    {
        expect(p.currentToken(), JsonToken.START_ARRAY);
        while (p.nextToken() == JsonToken.START_OBJECT)
        {
            while (p.nextToken() == JsonToken.FIELD_NAME)
            {
                final String field = p.currentName();
                p.nextToken();
                if (!"patches".equals(field))
                {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_ARRAY)
                {
                    p.nextToken();
                    final int pos = p.getIntValue();
                    p.nextToken();
                    final int del = p.getIntValue();
                    p.nextToken();
                    final String ins = p.getText();
                    expect(p.nextToken(), JsonToken.END_ARRAY);
                    out.add(new Object[] {pos, del, ins});
                }
            }
        }
    }

    private static void expect(final JsonToken actual, final JsonToken expected) throws IOException
    {
        if (actual != expected)
        {
            throw new IOException("trace: expected " + expected + " but found " + actual);
        }
    }
}
