package io.quire.engine.ot;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

/**
 * A mutable, reusable {@code text-unicode} op: a list of components that walk the document from position 0.
 * <ul>
 *   <li>{@link #SKIP} N: keep N code points ({@code 5} in JSON);</li>
 *   <li>{@link #INSERT} text: insert it at the current position ({@code "hi"});</li>
 *   <li>{@link #DELETE} N: delete N code points, optionally recording the deleted text
 *       ({@code {"d":2}} or {@code {"d":"xy"}}).</li>
 * </ul>
 * Components live in parallel primitive arrays and all text in one growable {@code char[]}, so an op that is
 * cleared and refilled allocates nothing once its arrays have grown to the working size. Lengths are in Unicode code
 * points; text lengths ({@link #textLength(int)}) in UTF-16 code units.
 * <p>
 * Two families of appenders:
 * <ul>
 *   <li>normalizing ({@link #skip}, {@link #insert}, {@link #delete}, {@link #deleteText}): exactly
 *       {@code ot-text-unicode}'s {@code makeAppend}. Zero-length components are dropped, a component of the same
 *       kind as the last one merges into it (skips and numeric deletes add, inserts concatenate, deletes concatenate
 *       their texts only when both carry text and otherwise add their lengths, dropping the text). {@link #trim()}
 *       then drops a trailing skip.</li>
 *   <li>raw ({@link #addSkip}, {@link #addInsert}, {@link #addDelete}, {@link #addDeleteText}): keep every
 *       component exactly as given, for holding untrusted input until it is validated.</li>
 * </ul>
 * Not thread-safe.
 */
public final class TextOp
{
    /** Component kind: keep code points. */
    public static final byte SKIP = 1;
    /** Component kind: insert text. */
    public static final byte INSERT = 2;
    /** Component kind: delete code points (and possibly record their text). */
    public static final byte DELETE = 3;

    private static final int NO_TEXT = -1;
    private static final JsonFactory JSON = new JsonFactory();
    private static final BigInteger MIN_INT = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger MAX_INT = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    // Package-private so the OT core's loops read components without per-call bounds checks; only TextOp writes them.
    byte[] kinds;
    int[] lengths;
    int[] textStarts;
    int[] textLengths;
    char[] text;
    int size;
    private int textUsed;

    /** An empty op with room for a few components. */
    public TextOp()
    {
        this(8, 32);
    }

    /**
     * An empty op with the given initial capacities (both grow on demand).
     *
     * @param components number of components.
     * @param textChars  number of UTF-16 code units of text.
     */
    public TextOp(final int components, final int textChars)
    {
        final int n = Math.max(1, components);
        kinds = new byte[n];
        lengths = new int[n];
        textStarts = new int[n];
        textLengths = new int[n];
        text = new char[Math.max(1, textChars)];
    }

    /** @return number of components. */
    public int size()
    {
        return size;
    }

    /**
     * @param i component index.
     * @return {@link #SKIP}, {@link #INSERT} or {@link #DELETE}.
     */
    public byte kind(final int i)
    {
        checkIndex(i);
        return kinds[i];
    }

    /**
     * @param i component index.
     * @return the component's length in code points (for inserts and text deletes, that of the text).
     */
    public int length(final int i)
    {
        checkIndex(i);
        return lengths[i];
    }

    /**
     * @param i component index.
     * @return true for an insert, and for a delete that records its text.
     */
    public boolean hasText(final int i)
    {
        checkIndex(i);
        return textStarts[i] != NO_TEXT;
    }

    /** @return the array holding every component's text; valid until the op is next modified. */
    public char[] textBuffer()
    {
        return text;
    }

    /**
     * @param i component index.
     * @return index in {@link #textBuffer()} of the component's first code unit, or -1 if it has no text.
     */
    public int textStart(final int i)
    {
        checkIndex(i);
        return textStarts[i];
    }

    /**
     * @param i component index.
     * @return the component's text length in UTF-16 code units (0 if it has no text).
     */
    public int textLength(final int i)
    {
        checkIndex(i);
        return textLengths[i];
    }

    /**
     * @param i component index.
     * @return the component's text as a new String, or null if it has none (cold path).
     */
    public String text(final int i)
    {
        checkIndex(i);
        return textStarts[i] == NO_TEXT ? null : new String(text, textStarts[i], textLengths[i]);
    }

    /**
     * Remove every component, keeping the arrays.
     *
     * @return this op.
     */
    public TextOp clear()
    {
        size = 0;
        textUsed = 0;
        return this;
    }

    /**
     * Make this op an exact copy of {@code other}'s components.
     *
     * @param other the op to copy; may be this op.
     * @return this op.
     */
    public TextOp copyFrom(final TextOp other)
    {
        if (other == this)
        {
            return this;
        }
        clear();
        for (int i = 0; i < other.size; i++)
        {
            final int start = other.textStarts[i];
            push(other.kinds[i], other.lengths[i], start == NO_TEXT ? null : other.text, start, other.textLengths[i]);
        }
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Normalizing appenders: ot-text-unicode's makeAppend.

    /**
     * Append a skip, merging it into a trailing skip; 0 is dropped.
     *
     * @param n code points to keep.
     * @return this op.
     */
    public TextOp skip(final int n)
    {
        append(SKIP, n, null, 0, 0, false);
        return this;
    }

    /**
     * Append an insert, merging it into a trailing insert; empty text is dropped.
     *
     * @param s well-formed text.
     * @return this op.
     */
    public TextOp insert(final CharSequence s)
    {
        appendText(INSERT, s);
        return this;
    }

    /**
     * Append an insert of {@code len} code units of {@code src}, merging it into a trailing insert; empty text is
     * dropped.
     *
     * @param src array holding the text.
     * @param off first code unit.
     * @param len number of code units.
     * @return this op.
     */
    public TextOp insert(final char[] src, final int off, final int len)
    {
        append(INSERT, Character.codePointCount(src, off, len), src, off, len, true);
        return this;
    }

    /**
     * Append a numeric delete ({@code {d:n}}), merging it into a trailing delete (which then loses its text);
     * 0 is dropped.
     *
     * @param n code points to delete.
     * @return this op.
     */
    public TextOp delete(final int n)
    {
        append(DELETE, n, null, 0, 0, false);
        return this;
    }

    /**
     * Append a delete recording its text ({@code {d:"text"}}), merging it into a trailing delete (texts concatenate
     * if the trailing delete has text, else lengths add); empty text is dropped.
     *
     * @param s the deleted text, well formed.
     * @return this op.
     */
    public TextOp deleteText(final CharSequence s)
    {
        appendText(DELETE, s);
        return this;
    }

    /**
     * Append a delete recording {@code len} code units of {@code src} as its text, merging as
     * {@link #deleteText(CharSequence)}.
     *
     * @param src array holding the deleted text.
     * @param off first code unit.
     * @param len number of code units.
     * @return this op.
     */
    public TextOp deleteText(final char[] src, final int off, final int len)
    {
        append(DELETE, Character.codePointCount(src, off, len), src, off, len, true);
        return this;
    }

    /**
     * Drop a trailing skip (ot-text-unicode's {@code trim}; after normalizing appends there is at most one).
     *
     * @return this op.
     */
    public TextOp trim()
    {
        if (size > 0 && kinds[size - 1] == SKIP)
        {
            size--;
        }
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Raw appenders: components exactly as given.

    /**
     * Append a skip as given, even 0, negative or next to another skip.
     *
     * @param n the skip count.
     * @return this op.
     */
    public TextOp addSkip(final int n)
    {
        push(SKIP, n, null, 0, 0);
        return this;
    }

    /**
     * Append an insert as given, even empty or ill-formed.
     *
     * @param s the text.
     * @return this op.
     */
    public TextOp addInsert(final CharSequence s)
    {
        final int len = s.length();
        final int start = reserveText(len);
        copyChars(s, start);
        pushReserved(INSERT, Character.codePointCount(s, 0, len), start, len);
        return this;
    }

    /**
     * Start a raw text component whose UTF-16 text the caller writes straight into {@link #textBuffer()}, so a
     * decoder can fill an op without a temporary copy: reserve room for at most {@code maxChars} code units, write
     * them from the returned start, then call {@link #endRawText}. The buffer may be reallocated by this call, so
     * fetch {@link #textBuffer()} after it.
     *
     * @param maxChars an upper bound on the code units that will be written.
     * @return the index in {@link #textBuffer()} to write from.
     */
    public int beginRawText(final int maxChars)
    {
        final int start = reserveText(maxChars);
        textUsed = start;
        return start;
    }

    /**
     * Finish a raw text component started with {@link #beginRawText}: appended as given, without normalizing.
     *
     * @param kind       {@link #INSERT} or {@link #DELETE} (a delete carrying its text).
     * @param start      the index {@link #beginRawText} returned.
     * @param chars      code units written.
     * @param codePoints code points in them.
     * @return this op.
     */
    public TextOp endRawText(final byte kind, final int start, final int chars, final int codePoints)
    {
        if (kind != INSERT && kind != DELETE)
        {
            throw new IllegalArgumentException("raw text components are inserts or deletes, not kind " + kind);
        }
        textUsed = start + chars;
        pushReserved(kind, codePoints, start, chars);
        return this;
    }

    /**
     * Append a numeric delete as given, even 0 or negative.
     *
     * @param n the delete count.
     * @return this op.
     */
    public TextOp addDelete(final int n)
    {
        push(DELETE, n, null, 0, 0);
        return this;
    }

    /**
     * Append a text delete as given, even empty or ill-formed.
     *
     * @param s the deleted text.
     * @return this op.
     */
    public TextOp addDeleteText(final CharSequence s)
    {
        final int len = s.length();
        final int start = reserveText(len);
        copyChars(s, start);
        pushReserved(DELETE, Character.codePointCount(s, 0, len), start, len);
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals shared with TextUnicode.

    /**
     * Normalizing append of one component described by primitives.
     *
     * @param kind    component kind.
     * @param length  length in code points.
     * @param src     text source (inserts, text deletes), else ignored.
     * @param off     first code unit in src.
     * @param len     code units in src.
     * @param hasText whether a delete records text (ignored for skips; must be true for inserts).
     */
    void append(final byte kind, final int length, final char[] src, final int off, final int len,
        final boolean hasText)
    {
        // makeAppend drops falsy components: 0, "", {d:0}, {d:""}.
        if (hasText && kind != SKIP ? len == 0 : length == 0)
        {
            return;
        }
        if (size > 0 && kinds[size - 1] == kind)
        {
            final int last = size - 1;
            if (kind == SKIP)
            {
                lengths[last] = addLengths(lengths[last], length, last);
            }
            else if (hasText && textStarts[last] != NO_TEXT)
            {
                final int start = reserveText(len);
                System.arraycopy(src, off, text, start, len);
                lengths[last] = addLengths(lengths[last], length, last);
                textLengths[last] += len;
            }
            else
            {
                // Only deletes get here: one side is numeric, so the recorded text is lost.
                lengths[last] = addLengths(lengths[last], length, last);
                dropText(last);
            }
            return;
        }
        push(kind, length, hasText && kind != SKIP ? src : null, off, len);
    }

    /**
     * Normalizing append of component {@code i} of {@code from}.
     *
     * @param from source op (not this one).
     * @param i    component index in {@code from}.
     */
    void appendComponent(final TextOp from, final int i)
    {
        final int start = from.textStarts[i];
        append(from.kinds[i], from.lengths[i], from.text, start, from.textLengths[i], start != NO_TEXT);
    }

    private void appendText(final byte kind, final CharSequence s)
    {
        final int len = s.length();
        if (len == 0)
        {
            return;
        }
        // Copy straight into the buffer's tail, right after the last component's text, then merge or push.
        final int start = reserveText(len);
        copyChars(s, start);
        final int length = Character.codePointCount(s, 0, len);
        if (size == 0 || kinds[size - 1] != kind)
        {
            pushReserved(kind, length, start, len);
            return;
        }
        final int last = size - 1;
        lengths[last] = addLengths(lengths[last], length, last);
        if (textStarts[last] != NO_TEXT)
        {
            textLengths[last] += len;
        }
        else
        {
            // A numeric delete absorbs a text delete: only the length survives.
            textUsed = start;
        }
    }

    private void dropText(final int last)
    {
        if (textStarts[last] != NO_TEXT)
        {
            // The last component's text is always at the tail of the buffer.
            textUsed = textStarts[last];
            textStarts[last] = NO_TEXT;
            textLengths[last] = 0;
        }
    }

    private static int addLengths(final int a, final int b, final int component)
    {
        final int r = a + b;
        if (((a ^ r) & (b ^ r)) < 0)
        {
            throw new InvalidOpException(
                InvalidOpException.Kind.BADLY_FORMED, component, "component " + component + ": length overflows an int");
        }
        return r;
    }

    private void push(final byte kind, final int length, final char[] src, final int off, final int len)
    {
        if (src == null)
        {
            ensureComponents();
            kinds[size] = kind;
            lengths[size] = length;
            textStarts[size] = NO_TEXT;
            textLengths[size] = 0;
            size++;
        }
        else
        {
            final int start = reserveText(len);
            System.arraycopy(src, off, text, start, len);
            pushReserved(kind, length, start, len);
        }
    }

    private void pushReserved(final byte kind, final int length, final int start, final int len)
    {
        ensureComponents();
        kinds[size] = kind;
        lengths[size] = length;
        textStarts[size] = start;
        textLengths[size] = len;
        size++;
    }

    private int reserveText(final int len)
    {
        final int start = textUsed;
        final int needed = start + len;
        if (needed > text.length)
        {
            text = Arrays.copyOf(text, Math.max(needed, text.length * 2));
        }
        textUsed = needed;
        return start;
    }

    private void copyChars(final CharSequence s, final int start)
    {
        if (s instanceof String)
        {
            ((String)s).getChars(0, s.length(), text, start);
        }
        else
        {
            for (int i = 0, n = s.length(); i < n; i++)
            {
                text[start + i] = s.charAt(i);
            }
        }
    }

    private void ensureComponents()
    {
        if (size == kinds.length)
        {
            final int n = kinds.length * 2;
            kinds = Arrays.copyOf(kinds, n);
            lengths = Arrays.copyOf(lengths, n);
            textStarts = Arrays.copyOf(textStarts, n);
            textLengths = Arrays.copyOf(textLengths, n);
        }
    }

    private void checkIndex(final int i)
    {
        if (i < 0 || i >= size)
        {
            throw new IndexOutOfBoundsException("component " + i + " outside [0, " + size + ")");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Equality and JSON (cold path).

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof TextOp))
        {
            return false;
        }
        final TextOp other = (TextOp)o;
        if (size != other.size)
        {
            return false;
        }
        for (int i = 0; i < size; i++)
        {
            if (kinds[i] != other.kinds[i] || lengths[i] != other.lengths[i])
            {
                return false;
            }
            final boolean hasText = textStarts[i] != NO_TEXT;
            if (hasText != (other.textStarts[i] != NO_TEXT))
            {
                return false;
            }
            if (hasText && !Arrays.equals(
                text, textStarts[i], textStarts[i] + textLengths[i],
                other.text, other.textStarts[i], other.textStarts[i] + other.textLengths[i]))
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode()
    {
        int h = 1;
        for (int i = 0; i < size; i++)
        {
            h = 31 * h + kinds[i];
            h = 31 * h + lengths[i];
            if (textStarts[i] != NO_TEXT)
            {
                for (int c = textStarts[i], end = c + textLengths[i]; c < end; c++)
                {
                    h = 31 * h + text[c];
                }
            }
        }
        return h;
    }

    /** @return {@link #toJson()}. */
    @Override
    public String toString()
    {
        return toJson();
    }

    /**
     * The op as the JS type would serialize it with {@code JSON.stringify}, e.g. {@code [3,"hi",{"d":2},{"d":"xy"}]}.
     *
     * @return the JSON text.
     */
    public String toJson()
    {
        return appendJson(new StringBuilder(16 + textUsed + size * 8)).toString();
    }

    /**
     * Append {@link #toJson()} to {@code out}.
     *
     * @param out destination.
     * @return {@code out}.
     */
    public StringBuilder appendJson(final StringBuilder out)
    {
        out.append('[');
        for (int i = 0; i < size; i++)
        {
            if (i > 0)
            {
                out.append(',');
            }
            switch (kinds[i])
            {
                case SKIP:
                    out.append(lengths[i]);
                    break;
                case INSERT:
                    appendJsonString(out, text, textStarts[i], textLengths[i]);
                    break;
                default:
                    out.append("{\"d\":");
                    if (textStarts[i] == NO_TEXT)
                    {
                        out.append(lengths[i]);
                    }
                    else
                    {
                        appendJsonString(out, text, textStarts[i], textLengths[i]);
                    }
                    out.append('}');
                    break;
            }
        }
        return out.append(']');
    }

    /**
     * Append a JSON string literal exactly as JS {@code JSON.stringify} writes it: only {@code "}, {@code \},
     * control characters and lone surrogates are escaped (lower-case hex), everything else is literal.
     *
     * @param out   destination.
     * @param chars source.
     * @param off   first code unit.
     * @param len   number of code units.
     * @return {@code out}.
     */
    public static StringBuilder appendJsonString(final StringBuilder out, final char[] chars, final int off,
        final int len)
    {
        out.append('"');
        for (int i = off, end = off + len; i < end; i++)
        {
            final char c = chars[i];
            switch (c)
            {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        appendUnicodeEscape(out, c);
                    }
                    else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(chars[i + 1]))
                    {
                        out.append(c).append(chars[++i]);
                    }
                    else if (Character.isSurrogate(c))
                    {
                        appendUnicodeEscape(out, c);
                    }
                    else
                    {
                        out.append(c);
                    }
                    break;
            }
        }
        return out.append('"');
    }

    /**
     * {@link #appendJsonString(StringBuilder, char[], int, int)} for a String.
     *
     * @param out destination.
     * @param s   the string.
     * @return {@code out}.
     */
    public static StringBuilder appendJsonString(final StringBuilder out, final String s)
    {
        return appendJsonString(out, s.toCharArray(), 0, s.length());
    }

    private static void appendUnicodeEscape(final StringBuilder out, final char c)
    {
        out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
            .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
    }

    /**
     * Parse an op from its JSON form, keeping its components exactly as written (raw appenders), so that
     * {@link TextUnicode#validate(TextOp)} can report what is wrong with it.
     *
     * @param json the JSON text.
     * @return a new op.
     * @throws InvalidOpException ({@link InvalidOpException.Kind#BADLY_FORMED}) if the JSON is malformed or not an
     *                            array of integers, strings and {@code {"d": integer | string}} objects, or a number
     *                            is fractional or outside the int range.
     */
    public static TextOp parseJson(final String json)
    {
        return parseJson(json, new TextOp());
    }

    /**
     * Parse an op from its JSON form into {@code out} (cleared first); see {@link #parseJson(String)}.
     *
     * @param json the JSON text.
     * @param out  destination.
     * @return {@code out}.
     */
    public static TextOp parseJson(final String json, final TextOp out)
    {
        out.clear();
        try (JsonParser p = JSON.createParser(json))
        {
            if (p.nextToken() != JsonToken.START_ARRAY)
            {
                throw badJson(-1, "op must be a JSON array of components");
            }
            int i = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY)
            {
                if (t == null)
                {
                    throw badJson(i, "unexpected end of input");
                }
                switch (t)
                {
                    case VALUE_NUMBER_INT:
                    case VALUE_NUMBER_FLOAT:
                        out.addSkip(readInt(p, i, "skip"));
                        break;
                    case VALUE_STRING:
                        out.addInsert(p.getText());
                        break;
                    case START_OBJECT:
                        readDelete(p, i, out);
                        break;
                    default:
                        throw badJson(i, "component must be a number, a string or {\"d\": ...}, got " + p.getText());
                }
                i++;
            }
            if (p.nextToken() != null)
            {
                throw badJson(-1, "unexpected content after the op");
            }
            return out;
        }
        catch (final JsonProcessingException ex)
        {
            throw badJson(-1, "malformed JSON: " + ex.getOriginalMessage());
        }
        catch (final IOException ex)
        {
            throw badJson(-1, "cannot read op: " + ex.getMessage());
        }
    }

    private static void readDelete(final JsonParser p, final int i, final TextOp out) throws IOException
    {
        boolean seen = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME)
        {
            final String name = p.currentName();
            if (!"d".equals(name) || seen)
            {
                throw badJson(i, "object component must be {\"d\": count} or {\"d\": \"text\"}, found field \"" +
                    name + "\"");
            }
            seen = true;
            final JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_STRING)
            {
                out.addDeleteText(p.getText());
            }
            else if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT)
            {
                out.addDelete(readInt(p, i, "delete"));
            }
            else
            {
                throw badJson(i, "delete must be {\"d\": count} or {\"d\": \"text\"}, got d=" + p.getText());
            }
        }
        if (t != JsonToken.END_OBJECT)
        {
            throw badJson(i, "unexpected end of input");
        }
        if (!seen)
        {
            throw badJson(i, "object component must be {\"d\": count} or {\"d\": \"text\"}, got {}");
        }
    }

    private static int readInt(final JsonParser p, final int i, final String what) throws IOException
    {
        final BigInteger value;
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT)
        {
            if (p.getNumberType() == JsonParser.NumberType.INT)
            {
                return p.getIntValue();
            }
            value = p.getBigIntegerValue();
        }
        else
        {
            final BigDecimal d = p.getDecimalValue();
            if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0)
            {
                throw badJson(i, what + " must be an integer, got " + p.getText());
            }
            value = d.toBigInteger();
        }
        if (value.compareTo(MIN_INT) < 0 || value.compareTo(MAX_INT) > 0)
        {
            throw badJson(i, what + " " + p.getText() + " is outside the int range");
        }
        return value.intValue();
    }

    private static InvalidOpException badJson(final int component, final String message)
    {
        return new InvalidOpException(
            InvalidOpException.Kind.BADLY_FORMED, component, component < 0 ? message : "component " + component + ": " + message);
    }
}
