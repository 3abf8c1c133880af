package io.quire.replay;

import io.quire.engine.ot.TextOp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

/** Attribution runs agree with a per-code-point model through random creates, edits and deletes. */
class AttributionPropertyTest
{
    private static final String[] AUTHORS = {"alice", "bob", "src-anon"};

    @Test
    void runsMatchAPerCodePointModel()
    {
        qt().withExamples(300).forAll(longs().all()).checkAssert(seed ->
        {
            final Random random = new Random(seed);
            final Attribution runs = new Attribution();
            final List<String> model = new ArrayList<>();
            for (long version = 0; version < 60; version++)
            {
                final String author = AUTHORS[random.nextInt(AUTHORS.length)];
                final int choice = random.nextInt(40);
                if (choice == 0)
                {
                    runs.clear();
                    model.clear();
                    continue;
                }
                if (choice == 1)
                {
                    final int length = random.nextInt(5);
                    runs.reset(length, version, author);
                    model.clear();
                    for (int i = 0; i < length; i++)
                    {
                        model.add(version + ":" + author);
                    }
                    continue;
                }
                final TextOp op = new TextOp();
                final List<String> next = new ArrayList<>();
                int pos = 0;
                while (pos < model.size() || (op.size() == 0 && random.nextBoolean()))
                {
                    final int kind = random.nextInt(3);
                    final int n = 1 + random.nextInt(3);
                    if (kind == 0 && pos < model.size())
                    {
                        final int k = Math.min(n, model.size() - pos);
                        op.skip(k);
                        next.addAll(model.subList(pos, pos + k));
                        pos += k;
                    }
                    else if (kind == 1 && pos < model.size())
                    {
                        final int k = Math.min(n, model.size() - pos);
                        op.delete(k);
                        pos += k;
                    }
                    else
                    {
                        op.insert("x".repeat(n));
                        for (int i = 0; i < n; i++)
                        {
                            next.add(version + ":" + author);
                        }
                    }
                    if (random.nextInt(4) == 0)
                    {
                        break;
                    }
                }
                next.addAll(model.subList(pos, model.size()));
                runs.apply(op.trim(), version, author);
                model.clear();
                model.addAll(next);
                assertThat(expand(runs)).isEqualTo(model);
            }
        });
    }

    private static List<String> expand(final Attribution runs)
    {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++)
        {
            assertThat(runs.length(i)).isPositive();
            if (i > 0)
            {
                assertThat(runs.version(i) != runs.version(i - 1) || !runs.author(i).equals(runs.author(i - 1)))
                    .as("adjacent runs of one op are merged").isTrue();
            }
            for (int k = 0; k < runs.length(i); k++)
            {
                out.add(runs.version(i) + ":" + runs.author(i));
            }
        }
        return out;
    }
}
