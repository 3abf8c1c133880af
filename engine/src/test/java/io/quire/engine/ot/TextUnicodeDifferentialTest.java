package io.quire.engine.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.quire.engine.ot.OpGen.Deletes;
import io.quire.test.NodeTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs many random cases through both this port and the reference {@code ot-text-unicode@4.0.0} (node/ot-diff.js,
 * one node process) and requires identical JSON results.
 * <p>
 * Seeded; the seed is printed. Replay a failure with {@code -Dquire.ot.diff.seed=<seed>}; change the number of cases
 * with {@code -Dquire.ot.diff.cases=<n>}.
 */
class TextUnicodeDifferentialTest
{
    private static final int DEFAULT_CASES = 20_000;
    private static final long NODE_TIMEOUT_SECONDS = 120;
    private static final String TOO_LONG = "The op is too long for this document";

    enum Fn
    {
        APPLY, TRANSFORM, COMPOSE, NORMALIZE, TRANSFORM_POSITION, MAKE_INVERTIBLE, INVERT, STRIP_INVERTIBLE
    }

    /** One case: its JSON line for node, and this port's answer (a result line, or the exception it threw). */
    private static final class Case
    {
        final Fn fn;
        final String input;
        final String expected;
        final InvalidOpException error;
        final boolean deleteOverrun;

        Case(final Fn fn, final String input, final String expected, final InvalidOpException error,
            final boolean deleteOverrun)
        {
            this.fn = fn;
            this.input = input;
            this.expected = expected;
            this.error = error;
            this.deleteOverrun = deleteOverrun;
        }
    }

    private final TextUnicode ot = new TextUnicode();
    private final TextOp out = new TextOp();

    @Test
    void matchesReferenceImplementation(@TempDir final Path tmp) throws Exception
    {
        final long seed = Long.getLong("quire.ot.diff.seed", System.nanoTime());
        final int count = Integer.getInteger("quire.ot.diff.cases", DEFAULT_CASES);
        System.out.println("TextUnicodeDifferentialTest: seed=" + seed + " cases=" + count +
            " (replay with -Dquire.ot.diff.seed=" + seed + ")");
        final long t0 = System.nanoTime();

        final Random r = new Random(seed);
        final List<Case> cases = new ArrayList<>(count);
        final Map<Fn, Integer> perFn = new EnumMap<>(Fn.class);
        for (int i = 0; i < count; i++)
        {
            final Case c = generate(r);
            cases.add(c);
            perFn.merge(c.fn, 1, Integer::sum);
        }
        final Path input = tmp.resolve("cases.jsonl");
        final StringBuilder all = new StringBuilder();
        for (final Case c : cases)
        {
            all.append(c.input).append('\n');
        }
        Files.writeString(input, all, StandardCharsets.UTF_8);

        final List<String> results = runNode(input);
        assertThat(results).as("node result lines").hasSize(count);

        final List<String> mismatches = new ArrayList<>();
        int errorsAgreed = 0;
        int stricter = 0;
        for (int i = 0; i < count; i++)
        {
            final Case c = cases.get(i);
            final String actual = results.get(i);
            final String problem;
            if (actual.startsWith("{\"error\":"))
            {
                final String message = errorMessage(actual);
                if (c.error == null)
                {
                    problem = "node failed, we did not";
                }
                else if (TOO_LONG.equals(message) ? c.error.kind() != InvalidOpException.Kind.NOT_APPLICABLE
                    : !c.error.getMessage().contains(message))
                {
                    problem = "different errors";
                }
                else
                {
                    errorsAgreed++;
                    problem = null;
                }
            }
            else if (c.error != null)
            {
                // Documented strictness: JS apply clips a delete that runs past the end; we refuse the op.
                if (c.deleteOverrun && c.error.kind() == InvalidOpException.Kind.NOT_APPLICABLE)
                {
                    stricter++;
                    problem = null;
                }
                else
                {
                    problem = "we failed, node did not";
                }
            }
            else
            {
                problem = actual.equals(c.expected) ? null : "different results";
            }
            if (problem != null && mismatches.size() < 20)
            {
                mismatches.add("case " + i + " " + problem + "\n  input: " + c.input + "\n  node:  " + actual +
                    "\n  ours:  " + (c.error != null ? "error " + c.error.kind() + ": " + c.error.getMessage() : c.expected));
            }
        }
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("TextUnicodeDifferentialTest: " + count + " cases " + perFn + ", " + errorsAgreed +
            " agreed errors, " + stricter + " refused deletes past the end (JS clips), " + ms + " ms");
        if (!mismatches.isEmpty())
        {
            fail("seed=" + seed + ": results differ from ot-text-unicode (first " + mismatches.size() + "):\n" +
                String.join("\n", mismatches));
        }
    }

    private Case generate(final Random r)
    {
        final int pick = r.nextInt(100);
        final String doc = OpGen.doc(r, 40);
        if (pick < 20)
        {
            return apply(r, doc);
        }
        if (pick < 55)
        {
            return transform(r, doc);
        }
        if (pick < 80)
        {
            return compose(r, doc);
        }
        if (pick < 88)
        {
            final TextOp op = OpGen.rawOp(r, true);
            return run(Fn.NORMALIZE, "{\"fn\":\"normalize\",\"op\":" + op.toJson() + "}",
                () -> ot.normalize(op, out), false);
        }
        if (pick < 94)
        {
            final TextOp op = OpGen.op(r, doc, Deletes.MIXED);
            final int pos = r.nextInt(doc.codePointCount(0, doc.length()) + 2);
            final int moved = ot.transformPosition(pos, op);
            return new Case(Fn.TRANSFORM_POSITION,
                "{\"fn\":\"transformPosition\",\"pos\":" + pos + ",\"op\":" + op.toJson() + "}",
                "{\"result\":" + moved + "}", null, false);
        }
        if (pick < 97)
        {
            final TextOp op = OpGen.op(r, doc, Deletes.MIXED);
            return run(Fn.MAKE_INVERTIBLE,
                "{\"fn\":\"makeInvertible\",\"doc\":" + json(doc) + ",\"op\":" + op.toJson() + "}",
                () -> ot.makeInvertible(op, new Rope(doc), out), false);
        }
        if (pick < 99)
        {
            final TextOp op = OpGen.op(r, doc, r.nextInt(8) == 0 ? Deletes.MIXED : Deletes.TEXT);
            return run(Fn.INVERT, "{\"fn\":\"invert\",\"op\":" + op.toJson() + "}", () -> ot.invert(op, out), false);
        }
        final TextOp op = OpGen.op(r, doc, Deletes.MIXED);
        return run(Fn.STRIP_INVERTIBLE, "{\"fn\":\"stripInvertible\",\"op\":" + op.toJson() + "}",
            () -> ot.stripInvertible(op, out), false);
    }

    private Case apply(final Random r, final String doc)
    {
        TextOp op = OpGen.op(r, doc, Deletes.MIXED);
        String target = doc;
        final int n = doc.codePointCount(0, doc.length());
        final int variant = r.nextInt(100);
        if (variant < 4)
        {
            op = OpGen.corrupt(r, op);
        }
        else if (variant < 12 && n > 0)
        {
            // The op was made for a longer document: a skip or a delete may run past the end.
            target = OpGen.sliceCp(doc, 0, n - 1 - r.nextInt(Math.min(n, 3)));
        }
        final String input = "{\"fn\":\"apply\",\"doc\":" + json(target) + ",\"op\":" + op.toJson() + "}";
        final Rope rope = new Rope(target);
        try
        {
            ot.apply(op, rope);
            return new Case(Fn.APPLY, input, "{\"result\":" + json(rope.toString()) + "}", null, false);
        }
        catch (final InvalidOpException ex)
        {
            final boolean deleteOverrun = ex.component() >= 0 && ex.component() < op.size() &&
                op.kind(ex.component()) == TextOp.DELETE;
            assertThat(rope.toString()).as("a refused op leaves the document unchanged").isEqualTo(target);
            return new Case(Fn.APPLY, input, null, ex, deleteOverrun);
        }
    }

    private Case transform(final Random r, final String doc)
    {
        TextOp a = OpGen.op(r, doc, Deletes.MIXED);
        TextOp b = OpGen.op(r, doc, Deletes.MIXED);
        if (r.nextInt(100) < 3)
        {
            if (r.nextBoolean())
            {
                a = OpGen.corrupt(r, a);
            }
            else
            {
                b = OpGen.corrupt(r, b);
            }
        }
        final TextUnicode.Side side = r.nextBoolean() ? TextUnicode.Side.LEFT : TextUnicode.Side.RIGHT;
        final TextOp op = a;
        final TextOp other = b;
        return run(Fn.TRANSFORM, "{\"fn\":\"transform\",\"op\":" + op.toJson() + ",\"other\":" + other.toJson() +
            ",\"side\":\"" + (side == TextUnicode.Side.LEFT ? "left" : "right") + "\"}",
            () -> ot.transform(op, other, side, out), false);
    }

    private Case compose(final Random r, final String doc)
    {
        final Deletes deletes = r.nextBoolean() ? Deletes.TEXT : Deletes.MIXED;
        TextOp a = OpGen.op(r, doc, deletes);
        TextOp b = OpGen.op(r, OpGen.applyNaive(doc, a), deletes);
        if (r.nextInt(100) < 3)
        {
            if (r.nextBoolean())
            {
                a = OpGen.corrupt(r, a);
            }
            else
            {
                b = OpGen.corrupt(r, b);
            }
        }
        final TextOp first = a;
        final TextOp second = b;
        return run(Fn.COMPOSE, "{\"fn\":\"compose\",\"a\":" + first.toJson() + ",\"b\":" + second.toJson() + "}",
            () -> ot.compose(first, second, out), false);
    }

    private Case run(final Fn fn, final String input, final Runnable call, final boolean deleteOverrun)
    {
        try
        {
            call.run();
            return new Case(fn, input, "{\"result\":" + out.toJson() + "}", null, deleteOverrun);
        }
        catch (final InvalidOpException ex)
        {
            return new Case(fn, input, null, ex, deleteOverrun);
        }
    }

    private static List<String> runNode(final Path input) throws IOException, InterruptedException
    {
        final Process node = NodeTools.node("ot-diff.js").redirectInput(input.toFile()).start();
        final List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                lines.add(line);
            }
        }
        if (!node.waitFor(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            node.destroyForcibly();
            fail("node ot-diff.js did not finish in " + NODE_TIMEOUT_SECONDS + " s");
        }
        assertThat(node.exitValue()).as("node ot-diff.js exit code").isZero();
        return lines;
    }

    private static String errorMessage(final String line) throws IOException
    {
        try (JsonParser p = new JsonFactory().createParser(line))
        {
            p.nextToken();
            p.nextToken();
            assertThat(p.nextToken()).isEqualTo(JsonToken.VALUE_STRING);
            return p.getText();
        }
    }

    private static String json(final String s)
    {
        return TextOp.appendJsonString(new StringBuilder(), s).toString();
    }
}
