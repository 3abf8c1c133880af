package io.quire.journal.snapshot;

import io.quire.codec.MessageValidator;
import io.quire.codec.ShardRouter;
import io.quire.journal.snapshot.SnapshotCatalog.Entry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The snapshots of one shard: a directory of files in the {@link SnapshotFormat}, one per document and version.
 * <p>
 * The engine writes a snapshot of a document every N ops and when it evicts the document, and loads a document from
 * its latest snapshot plus the journal records after the snapshot's LSN. The replay tool rebuilds a document at any
 * version from the nearest snapshot at or before it, so by default every snapshot is kept ({@code retain = 0}).
 * <p>
 * A write is crash-safe: the file is written under a temporary name and renamed atomically, so a snapshot under its
 * real name is always complete; temporary files a crash left behind are deleted at open. With {@code fsync} the file
 * and its directory are forced to the device before {@link #write} returns.
 * <p>
 * The catalog is built at open from file names alone and kept up to date by {@link #write} and retention. Lookups by
 * document take its hash, collection and id: the hash finds the candidates by name, and since two documents may share
 * a 64-bit hash, a candidate's header is read once to learn whose it is. Damaged files found on the way, or by an
 * earlier {@link #load}, are reported or passed over as the {@link CorruptSnapshotPolicy} says.
 * <p>
 * Thread safe: one writer (the shard thread) and any number of readers (a tool, concurrently). Writes are serialized;
 * catalog operations are short and synchronized; {@link #load} runs outside any lock. A store opened read-only sees
 * the files present at open.
 */
public final class SnapshotStore implements AutoCloseable
{
    private static final Logger LOGGER = LoggerFactory.getLogger(SnapshotStore.class);

    private final SnapshotContext context;
    private final Path dir;
    private final MessageValidator validator;
    private final SnapshotCatalog catalog = new SnapshotCatalog();
    private final Object writeLock = new Object();
    private final SnapshotFileWriter writer;
    private final ConcurrentLinkedQueue<SnapshotFileReader> readers = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private SnapshotStore(final SnapshotContext context) throws IOException
    {
        this.context = context;
        this.dir = context.dir();
        this.validator = MessageValidator.journal(context.limits());
        this.writer = context.readOnly() ? null : new SnapshotFileWriter(context.limits());
        if (!context.readOnly())
        {
            Files.createDirectories(dir);
        }
        scan();
    }

    /**
     * Open a snapshot directory: list it into the catalog and, unless read-only, create it if missing and delete the
     * temporary files of interrupted writes.
     *
     * @param context the options; concluded here.
     * @return the store.
     * @throws UncheckedIOException if the directory cannot be listed or created.
     */
    public static SnapshotStore open(final SnapshotContext context)
    {
        context.conclude();
        try
        {
            return new SnapshotStore(context);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open snapshot directory " + context.dir(), ex);
        }
    }

    /** @return the options. */
    public SnapshotContext context()
    {
        return context;
    }

    /** @return the number of snapshots in the catalog. */
    public int size()
    {
        synchronized (catalog)
        {
            return catalog.size();
        }
    }

    /**
     * Write a snapshot, replacing one of the same document and version, then apply retention. The text is walked
     * twice (measured, then encoded) and streamed through a fixed buffer, whatever its size.
     *
     * @param meta the document's metadata; its lengths must be the text's.
     * @param text the document's text.
     * @return the new snapshot.
     * @throws IllegalArgumentException if the meta does not fit the format or its limits, its docHash is not
     *                                  {@code ShardRouter.docHash(collection, docId)}, or the text holds an unpaired
     *                                  surrogate or has other lengths than the meta says; nothing is written.
     * @throws IllegalStateException    if the store is read-only or closed, or the text changed between its walks.
     * @throws UncheckedIOException     if the file cannot be written; no partial snapshot is left under a real name.
     */
    public SnapshotRef write(final SnapshotMeta meta, final CharChunkSource text)
    {
        ensureOpen();
        if (writer == null)
        {
            throw new IllegalStateException("snapshot store " + dir + " is read-only");
        }
        if (context.checkDocHash() && ShardRouter.docHash(meta.collection(), meta.docId()) != meta.docHash())
        {
            throw new IllegalArgumentException(String.format("docHash %016x is not the hash of %s/%s",
                meta.docHash(), meta.collection(), meta.docId()));
        }
        synchronized (writeLock)
        {
            writer.prepare(meta, text);
            final int slot;
            synchronized (catalog)
            {
                slot = slotFor(meta);
            }
            final Path subdir = dir.resolve(SnapshotFormat.subdirectory(meta.docHash()));
            final String name = SnapshotFormat.fileName(meta.docHash(), meta.version(), slot);
            final Path target = subdir.resolve(name);
            final Path temp = subdir.resolve(SnapshotFormat.tempName(name, ThreadLocalRandom.current().nextLong()));
            boolean renamed = false;
            try
            {
                createSubdirectory(subdir);
                final long size;
                try (FileChannel channel = FileChannel.open(
                    temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
                {
                    size = writer.writeTo(channel, text);
                    if (context.fsync())
                    {
                        channel.force(true);
                    }
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                renamed = true;
                final Entry entry = new Entry(meta.docHash(), meta.version(), slot, size);
                entry.collection = meta.collection();
                entry.docId = meta.docId();
                synchronized (catalog)
                {
                    catalog.put(entry);
                    applyRetention(meta);
                }
                if (context.fsync())
                {
                    forceDirectory(subdir);
                }
                return ref(entry);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot write snapshot " + target, ex);
            }
            finally
            {
                if (!renamed)
                {
                    deleteQuietly(temp);
                }
            }
        }
    }

    /**
     * The document's newest snapshot; a damaged candidate throws.
     *
     * @param docHash    the document's hash.
     * @param collection its collection.
     * @param docId      its id.
     * @return the snapshot, or empty if it has none.
     * @throws SnapshotCorruptedException if a newer candidate that may be the document's is damaged.
     */
    public Optional<SnapshotRef> latest(final long docHash, final String collection, final String docId)
    {
        return latest(docHash, collection, docId, CorruptSnapshotPolicy.FAIL);
    }

    /**
     * The document's newest snapshot.
     *
     * @param docHash    the document's hash.
     * @param collection its collection.
     * @param docId      its id.
     * @param policy     what to do with a damaged candidate.
     * @return the snapshot, or empty if it has none.
     * @throws SnapshotCorruptedException under {@link CorruptSnapshotPolicy#FAIL}, if a candidate is damaged.
     */
    public Optional<SnapshotRef> latest(
        final long docHash, final String collection, final String docId, final CorruptSnapshotPolicy policy)
    {
        return latestAtOrBefore(docHash, collection, docId, Long.MAX_VALUE, policy);
    }

    /**
     * The document's newest snapshot at or before a version; a damaged candidate throws.
     *
     * @param docHash    the document's hash.
     * @param collection its collection.
     * @param docId      its id.
     * @param version    the highest version wanted.
     * @return the snapshot, or empty if there is none.
     * @throws SnapshotCorruptedException if a candidate that may be the document's is damaged.
     */
    public Optional<SnapshotRef> latestAtOrBefore(
        final long docHash, final String collection, final String docId, final long version)
    {
        return latestAtOrBefore(docHash, collection, docId, version, CorruptSnapshotPolicy.FAIL);
    }

    /**
     * The document's newest snapshot at or before a version: where the replay tool starts rebuilding that version.
     *
     * @param docHash    the document's hash.
     * @param collection its collection.
     * @param docId      its id.
     * @param version    the highest version wanted.
     * @param policy     what to do with a damaged candidate.
     * @return the snapshot, or empty if there is none.
     * @throws SnapshotCorruptedException under {@link CorruptSnapshotPolicy#FAIL}, if a candidate is damaged.
     */
    public Optional<SnapshotRef> latestAtOrBefore(
        final long docHash,
        final String collection,
        final String docId,
        final long version,
        final CorruptSnapshotPolicy policy)
    {
        return nearest(docHash, collection, docId, version, true, policy);
    }

    /**
     * The document's oldest snapshot at or after a version; a damaged candidate throws.
     *
     * @param docHash    the document's hash.
     * @param collection its collection.
     * @param docId      its id.
     * @param version    the lowest version wanted.
     * @return the snapshot, or empty if there is none.
     * @throws SnapshotCorruptedException if a candidate that may be the document's is damaged.
     */
    public Optional<SnapshotRef> earliestAtOrAfter(
        final long docHash, final String collection, final String docId, final long version)
    {
        return earliestAtOrAfter(docHash, collection, docId, version, CorruptSnapshotPolicy.FAIL);
    }

    /**
     * The document's oldest snapshot at or after a version.
     *
     * @param docHash    the document's hash.
     * @param collection its collection.
     * @param docId      its id.
     * @param version    the lowest version wanted.
     * @param policy     what to do with a damaged candidate.
     * @return the snapshot, or empty if there is none.
     * @throws SnapshotCorruptedException under {@link CorruptSnapshotPolicy#FAIL}, if a candidate is damaged.
     */
    public Optional<SnapshotRef> earliestAtOrAfter(
        final long docHash,
        final String collection,
        final String docId,
        final long version,
        final CorruptSnapshotPolicy policy)
    {
        return nearest(docHash, collection, docId, version, false, policy);
    }

    /**
     * Every snapshot filed under a hash, of whichever document, without reading any file.
     *
     * @param docHash a document hash.
     * @return the snapshots by version (then collision slot).
     */
    public List<SnapshotRef> list(final long docHash)
    {
        ensureOpen();
        synchronized (catalog)
        {
            return refs(catalog.atOrAfter(docHash, Long.MIN_VALUE));
        }
    }

    /**
     * Every snapshot in the store, without reading any file.
     *
     * @return the snapshots in file name order: hash (unsigned), version, collision slot.
     */
    public List<SnapshotRef> all()
    {
        ensureOpen();
        synchronized (catalog)
        {
            return refs(catalog.all());
        }
    }

    /**
     * Read a snapshot's metadata: its prefix and header (checked against their own CRC), not its text.
     *
     * @param ref the snapshot.
     * @return its metadata.
     * @throws SnapshotCorruptedException if the prefix or header is damaged or disagrees with the file name.
     * @throws UncheckedIOException       if the file cannot be read, e.g. retention deleted it.
     */
    public SnapshotMeta readMeta(final SnapshotRef ref)
    {
        ensureOpen();
        final SnapshotFileReader reader = acquireReader();
        try
        {
            return reader.readMeta(ref);
        }
        catch (final SnapshotCorruptedException ex)
        {
            recordDamage(ref, ex);
            throw ex;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read snapshot " + ref.path(), ex);
        }
        finally
        {
            readers.offer(reader);
        }
    }

    /**
     * Load a snapshot: check the whole file against its CRC32C, then stream its text to the consumer as UTF-16
     * chunks of at most 64 Ki chars, decoding strictly, and check the decoded lengths against the header. A damaged
     * file is detected before the consumer sees any char, except a file whose CRC matches but whose text is wrong
     * (only a faulty writer makes one); the damage is remembered, so {@link CorruptSnapshotPolicy#SKIP} lookups pass
     * over it afterwards.
     *
     * @param ref      the snapshot.
     * @param consumer receives the text.
     * @return its metadata.
     * @throws SnapshotCorruptedException if the file is damaged.
     * @throws UncheckedIOException       if the file cannot be read, e.g. retention deleted it.
     */
    public SnapshotMeta load(final SnapshotRef ref, final CharChunkConsumer consumer)
    {
        ensureOpen();
        final SnapshotFileReader reader = acquireReader();
        try
        {
            return reader.load(ref, consumer);
        }
        catch (final SnapshotCorruptedException ex)
        {
            recordDamage(ref, ex);
            throw ex;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read snapshot " + ref.path(), ex);
        }
        finally
        {
            readers.offer(reader);
        }
    }

    /** Close the store; its files stay as they are. */
    @Override
    public void close()
    {
        closed = true;
        readers.clear();
    }

    private void scan() throws IOException
    {
        try (DirectoryStream<Path> subdirs = Files.newDirectoryStream(dir))
        {
            for (final Path subdir : subdirs)
            {
                final String hh = subdir.getFileName().toString();
                if (hh.length() == 2 && isLowerHex(hh) && Files.isDirectory(subdir, LinkOption.NOFOLLOW_LINKS))
                {
                    scan(subdir, hh);
                }
            }
        }
    }

    private void scan(final Path subdir, final String hh) throws IOException
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(subdir))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                if (SnapshotFormat.isTempName(name))
                {
                    if (!context.readOnly())
                    {
                        Files.deleteIfExists(file);
                    }
                    continue;
                }
                final SnapshotFormat.Name parsed = SnapshotFormat.parse(name);
                if (parsed == null || !SnapshotFormat.subdirectory(parsed.docHash()).equals(hh))
                {
                    continue;
                }
                final BasicFileAttributes attributes;
                try
                {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                }
                catch (final NoSuchFileException ex)
                {
                    continue;
                }
                if (attributes.isRegularFile())
                {
                    catalog.put(new Entry(parsed.docHash(), parsed.version(), parsed.slot(), attributes.size()));
                }
            }
        }
    }

    private static boolean isLowerHex(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f'))
            {
                return false;
            }
        }
        return true;
    }

    /** The slot of this document's snapshot at the meta's version if there is one, else the first free slot. */
    private int slotFor(final SnapshotMeta meta)
    {
        for (final Entry entry : catalog.at(meta.docHash(), meta.version()))
        {
            if (resolve(entry) && entry.identityKnown() && entry.isOf(meta.collection(), meta.docId()))
            {
                return entry.slot;
            }
        }
        int slot = 0;
        for (final Entry entry : catalog.at(meta.docHash(), meta.version()))
        {
            if (entry.slot != slot)
            {
                break;
            }
            slot++;
        }
        return slot;
    }

    /** Delete this document's snapshots beyond the {@code retain} highest versions; damaged ones count too. */
    private void applyRetention(final SnapshotMeta meta)
    {
        final int retain = context.retain();
        if (retain == 0)
        {
            return;
        }
        int kept = 0;
        for (final Entry entry : catalog.atOrBefore(meta.docHash(), Long.MAX_VALUE))
        {
            if (!resolve(entry) || !entry.identityKnown() || !entry.isOf(meta.collection(), meta.docId()))
            {
                continue;
            }
            if (++kept > retain)
            {
                try
                {
                    Files.deleteIfExists(path(entry));
                    catalog.remove(entry);
                }
                catch (final IOException ex)
                {
                    LOGGER.warn("cannot delete snapshot {} beyond retention, kept", path(entry), ex);
                }
            }
        }
    }

    /**
     * The document's snapshot nearest a version on one side: version by version from it, so a lookup reads the
     * versions it passes over, not every snapshot the document has (all of them are kept by default).
     */
    private Optional<SnapshotRef> nearest(
        final long docHash,
        final String collection,
        final String docId,
        final long version,
        final boolean downwards,
        final CorruptSnapshotPolicy policy)
    {
        ensureOpen();
        synchronized (catalog)
        {
            Long at = catalog.nextVersion(docHash, version, downwards);
            while (at != null)
            {
                final Optional<SnapshotRef> found = firstOf(catalog.at(docHash, at), collection, docId, policy);
                if (found.isPresent())
                {
                    return found;
                }
                at = at == (downwards ? Long.MIN_VALUE : Long.MAX_VALUE) ? null :
                    catalog.nextVersion(docHash, downwards ? at - 1 : at + 1, downwards);
            }
            return Optional.empty();
        }
    }

    private Optional<SnapshotRef> firstOf(
        final List<Entry> candidates, final String collection, final String docId, final CorruptSnapshotPolicy policy)
    {
        for (final Entry entry : candidates)
        {
            if (!resolve(entry) || (entry.identityKnown() && !entry.isOf(collection, docId)))
            {
                continue;
            }
            final SnapshotCorruptedException damage = entry.damage;
            if (damage == null)
            {
                return Optional.of(ref(entry));
            }
            if (policy == CorruptSnapshotPolicy.FAIL)
            {
                throw new SnapshotCorruptedException(damage.file(), damage.reason(), damage.offset(), damage.detail());
            }
        }
        return Optional.empty();
    }

    /**
     * Learn whose snapshot an entry is by reading its header, once. Called under the catalog lock.
     *
     * @return false if the file no longer exists (the entry is dropped).
     */
    private boolean resolve(final Entry entry)
    {
        if (entry.identityKnown() || entry.damage != null)
        {
            return true;
        }
        final SnapshotFileReader reader = acquireReader();
        try
        {
            final SnapshotMeta meta = reader.readMeta(ref(entry));
            entry.collection = meta.collection();
            entry.docId = meta.docId();
            return true;
        }
        catch (final SnapshotCorruptedException ex)
        {
            entry.damage = ex;
            return true;
        }
        catch (final NoSuchFileException ex)
        {
            catalog.remove(entry);
            return false;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read snapshot " + path(entry), ex);
        }
        finally
        {
            readers.offer(reader);
        }
    }

    private void recordDamage(final SnapshotRef ref, final SnapshotCorruptedException damage)
    {
        final SnapshotFormat.Name name = SnapshotFormat.parse(ref.path().getFileName().toString());
        if (name == null)
        {
            return;
        }
        synchronized (catalog)
        {
            final Entry entry = catalog.find(name.docHash(), name.version(), name.slot());
            if (entry != null && path(entry).equals(ref.path()))
            {
                entry.damage = damage;
            }
        }
    }

    private void createSubdirectory(final Path subdir) throws IOException
    {
        if (!Files.isDirectory(subdir))
        {
            Files.createDirectories(subdir);
            if (context.fsync())
            {
                forceDirectory(dir);
            }
        }
    }

    private static void forceDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            LOGGER.warn("cannot delete temporary snapshot {}; it is deleted at the next open", file, ex);
        }
    }

    private SnapshotFileReader acquireReader()
    {
        final SnapshotFileReader reader = readers.poll();
        return reader != null ? reader : new SnapshotFileReader(validator);
    }

    private Path path(final Entry entry)
    {
        return dir.resolve(SnapshotFormat.subdirectory(entry.docHash))
            .resolve(SnapshotFormat.fileName(entry.docHash, entry.version, entry.slot));
    }

    private SnapshotRef ref(final Entry entry)
    {
        return new SnapshotRef(path(entry), entry.docHash, entry.version, entry.size);
    }

    private List<SnapshotRef> refs(final List<Entry> entries)
    {
        final List<SnapshotRef> out = new ArrayList<>(entries.size());
        for (final Entry entry : entries)
        {
            out.add(ref(entry));
        }
        return out;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("snapshot store " + dir + " is closed");
        }
    }
}
