package io.quire.journal;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JournalWriter#prefaultNextPage()}: between batches it touches the page the next batch starts on (once per
 * page), never while a batch is open, and whatever it touches, every record written before and after reads back
 * intact, with consecutive LSNs, also after reopening.
 */
class JournalPrefaultTest
{
    @TempDir
    Path dir;

    @Test
    void touchesTheNextPageOnceBetweenBatchesAndChangesNothingWritten()
    {
        final List<String> expected = new ArrayList<>();
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            assertThat(writer.prefaultNextPage()).as("nothing written yet").isFalse();
            int touched = 0;
            for (int batch = 0; batch < 400; batch++)
            {
                // Batches of 1-3 records of ~100 bytes: several batches per 4 KiB page.
                for (int i = 0; i <= batch % 3; i++)
                {
                    final String record = "record-" + writer.nextLsn() + "-" + "y".repeat(80 + batch % 17);
                    expected.add(record);
                    final byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
                    writer.append(writer.nextLsn(), new UnsafeBuffer(bytes), 0, bytes.length);
                    assertThat(writer.prefaultNextPage()).as("never with a batch open").isFalse();
                }
                assertThat(writer.commitBatch()).isTrue();
                if (writer.prefaultNextPage())
                {
                    touched++;
                    assertThat(writer.prefaultNextPage()).as("the same page only once").isFalse();
                }
            }
            // ~80 KB written: about one touch per 4 KiB page crossed.
            assertThat(touched).isBetween(10, 40);
        }
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            assertThat(writer.nextLsn()).as("reopened after the last record").isEqualTo(expected.size() + 1);
        }
        final List<String> read = new ArrayList<>();
        final List<Long> lsns = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                lsns.add(lsn);
                read.add(buffer.getStringWithoutLengthUtf8(offset, length));
            }, 64) > 0)
            {
                // keep reading
            }
        }
        assertThat(read).containsExactlyElementsOf(expected);
        for (int i = 0; i < lsns.size(); i++)
        {
            assertThat(lsns.get(i)).isEqualTo(i + 1L);
        }
    }
}
