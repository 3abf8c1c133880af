package io.quire.systemtest;

import io.quire.engine.client.ClientDoc;
import io.quire.engine.ot.TextOp;

import java.util.Random;

/**
 * Random local edits valid on a {@link ClientDoc}'s current text: inserts of a few characters (some outside the
 * BMP, some accented) and deletes, with documents kept to a bounded size.
 */
final class RandomEdits
{
    private static final String[] PIECES = {"a", "b", "c", "xy", " ", "é", "😀", "\n", "Ω", "zz"};

    private final Random random;
    private final int maxLength;

    RandomEdits(final Random random, final int maxLength)
    {
        this.random = random;
        this.maxLength = maxLength;
    }

    /**
     * Apply one random edit to the doc (it must have a snapshot and exist).
     *
     * @param doc the doc.
     */
    void edit(final ClientDoc doc)
    {
        final int length = doc.text().length();
        final int pos = random.nextInt(length + 1);
        final TextOp op = new TextOp().skip(pos);
        final boolean delete = length > 0 && pos < length && (length > maxLength || random.nextInt(10) < 4);
        if (delete)
        {
            op.delete(1 + random.nextInt(Math.min(3, length - pos)));
        }
        else
        {
            final int pieces = 1 + random.nextInt(2);
            for (int i = 0; i < pieces; i++)
            {
                op.insert(PIECES[random.nextInt(PIECES.length)]);
            }
        }
        doc.submit(op.trim());
    }
}
