package io.tokenmeter.gateway.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * An append-only, length-prefixed, CRC32C-checked log of records in numbered segment files. Appends are
 * group-committed: {@link #append} returns once an fsync covers the record. A reader takes whole closed
 * segments, oldest first, and deletes each once its records are safely elsewhere.
 * <p>
 * Record: {@code int length (> 0), int crc32c, byte[length]}. A segment is written full of zeros before its first
 * record (its space is taken from the filesystem then, and the file and its directory are fsynced), so a full disk
 * is met when a segment is created, never half-way through a record; a reader stops at the first zero length. Space
 * is reserved in advance ({@link #tryReserve}) for calls that will write while Kafka is down, so that a call is
 * refused before it is served rather than served and not recorded.
 * <p>
 * After a failed write or fsync the segment is truncated to its last record known to be on disk and closed, so no
 * record is ever appended after a torn one; the appenders whose records were cut off get the error. A torn tail
 * found when reading (a crash mid-write) is dropped and counted: it was never acknowledged to anyone.
 */
public final class UsageSpool implements Closeable {

    /** What one call may need: a usage event is well under 2 KB, and a call with fallbacks writes a few. */
    public static final int SLOT_BYTES = 4096;

    private static final int HEADER = 8;

    /** A closed segment's records and whether bytes after them were torn (not zeros, not a whole record). */
    public record Segment(List<byte[]> records, boolean torn) {}

    private final Path directory;
    private final long maxBytes;
    private final long fsyncEveryNanos;
    private final long segmentBytes;
    private final long minFreeBytes;
    private final Object lock = new Object();
    /** Held while the channel is forced or closed, so that a roll never closes it under the flusher. */
    private final ReentrantLock channelLock = new ReentrantLock();

    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final Thread flusher;
    private FileChannel current;
    private Path currentPath;
    /** Where the next record of the current segment goes; everything before it is written. */
    private long writePosition;
    /** End position and size of the current segment's records not yet covered by an fsync. */
    private final java.util.ArrayDeque<long[]> pending = new java.util.ArrayDeque<>();
    /** The last segment cut back after a failure: an fsync that finds it closed must not report success. */
    private FileChannel cut;
    /** Everything of the current segment before this is on disk (covered by an fsync that succeeded). */
    private long durablePosition;
    /** Bytes promised to admitted calls and not yet released; guarded by {@code lock}. */
    private long reserved;

    private long nextSegment;
    /** Completed by the first fsync that starts after the records appended with it. */
    private CompletableFuture<Void> nextForce = new CompletableFuture<>();

    private boolean dirty;
    private boolean closed;
    /** Why the spool cannot take records now; null while it can. Cleared by the next segment created. */
    private volatile String unwritable;

    public UsageSpool(Path directory, long maxBytes, long fsyncEveryNanos) throws IOException {
        this(directory, maxBytes, fsyncEveryNanos, 4L << 20, 0);
    }

    /**
     * @param segmentBytes the size of a segment, written (and so taken from the disk) when it is created
     * @param minFreeBytes the free space a new segment must leave on the filesystem
     */
    public UsageSpool(Path directory, long maxBytes, long fsyncEveryNanos, long segmentBytes, long minFreeBytes)
            throws IOException {
        if (segmentBytes < SLOT_BYTES * 2L) {
            throw new IllegalArgumentException("a segment holds at least two slots of " + SLOT_BYTES + " bytes");
        }
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.fsyncEveryNanos = fsyncEveryNanos;
        this.segmentBytes = segmentBytes;
        this.minFreeBytes = minFreeBytes;
        Files.createDirectories(directory);
        for (Path segment : segments()) {
            Segment content = read(segment);
            bytes.addAndGet(
                    content.records().stream().mapToLong(r -> HEADER + r.length).sum());
            records.addAndGet(content.records().size());
            nextSegment = Math.max(nextSegment, number(segment) + 1);
        }
        this.flusher = Thread.ofPlatform().daemon().name("usage-spool-fsync").start(this::flushLoop);
    }

    /** Bytes of records waiting to be drained. */
    public long depthBytes() {
        return bytes.get();
    }

    /** Records waiting to be drained. */
    public long depthRecords() {
        return records.get();
    }

    public boolean isFull() {
        return bytes.get() >= maxBytes;
    }

    /** Why no record can be written now (the disk is full, a write failed); null when records can be. */
    public String unwritable() {
        return isFull() ? "the spool holds its maximum of " + maxBytes + " bytes" : unwritable;
    }

    /**
     * Promises {@link #SLOT_BYTES} to a call that may write while Kafka is down, out of segment space already taken
     * from the disk (creating a segment if need be); false when the spool cannot promise it, and the call must be
     * refused. {@link #release} gives it back when the call is over.
     */
    public boolean tryReserve() {
        synchronized (lock) {
            if (closed || isFull()) {
                return false;
            }
            if (roomLeft() - reserved < SLOT_BYTES) {
                if (segmentBytes - reserved < SLOT_BYTES) {
                    return false; // as many calls in flight as a segment can promise space to
                }
                try {
                    openSegment(); // the promised space of calls in flight moves with them to the new segment
                } catch (IOException e) {
                    return false; // unwritable() says why
                }
            }
            reserved += SLOT_BYTES;
            return true;
        }
    }

    public void release() {
        synchronized (lock) {
            reserved = Math.max(0, reserved - SLOT_BYTES);
        }
    }

    private long roomLeft() {
        return current == null ? 0 : segmentBytes - writePosition;
    }

    /**
     * Appends a record and returns once it is on disk. {@code reserved}: the record belongs to a call that was promised
     * space ({@link #tryReserve}); other records keep clear of the space promised to calls in flight.
     */
    public void append(byte[] record, boolean reserved) throws IOException {
        if (record.length == 0) {
            throw new IllegalArgumentException("a spooled record is never empty");
        }
        if (isFull()) {
            throw new IOException("usage spool full (" + bytes.get() + " bytes in " + directory + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(record);
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + record.length)
                .putInt(record.length)
                .putInt((int) crc.getValue())
                .put(record)
                .flip();
        CompletableFuture<Void> force;
        synchronized (lock) {
            if (closed) {
                throw new IOException("usage spool closed");
            }
            long keepClear = reserved ? 0 : this.reserved;
            if (current == null || writePosition + buffer.remaining() + keepClear > segmentBytes) {
                if (!reserved && buffer.remaining() + this.reserved > segmentBytes) {
                    // even a new segment would be all promised to calls in flight: a record of a call that was promised
                    // nothing does not take their place
                    throw new IOException("the spool's space is promised to calls in flight");
                }
                openSegment(); // records never span segments; a failure here leaves nothing written
            }
            long start = writePosition;
            try {
                while (buffer.hasRemaining()) {
                    current.write(buffer, start + buffer.position());
                }
            } catch (IOException e) {
                cutBack("a write failed: " + e.getMessage());
                throw e;
            }
            writePosition += buffer.limit();
            pending.addLast(new long[] {writePosition, buffer.limit()});
            bytes.addAndGet(buffer.limit());
            records.incrementAndGet();
            force = nextForce;
            dirty = true;
            lock.notify();
        }
        try {
            force.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the spool's fsync", e);
        } catch (ExecutionException e) {
            throw new IOException("the spool's fsync failed", e.getCause());
        }
    }

    /**
     * Starts a new segment, written full of zeros and fsynced with its directory, and closes the current one. On
     * failure (the disk is full) nothing of the new one is left, the current one stays open, and the spool says why
     * it cannot take more.
     */
    private void openSegment() throws IOException {
        long usable = Files.getFileStore(directory).getUsableSpace();
        if (usable < segmentBytes + minFreeBytes) {
            unwritable = "the disk holding " + directory + " has " + usable + " bytes free, less than a segment ("
                    + segmentBytes + ") and the " + minFreeBytes + " bytes to leave free";
            throw new IOException(unwritable);
        }
        Path path = directory.resolve(String.format("segment-%012d.spool", nextSegment++));
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
            for (long written = 0; written < segmentBytes; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), segmentBytes - written));
                written += channel.write(zeros, written);
            }
            channel.force(true);
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true); // the new file's name is durable too
            }
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(path);
            unwritable = "could not create a spool segment in " + directory + ": " + e.getMessage();
            throw new IOException(unwritable, e);
        }
        try {
            closeCurrent(); // only once the new one exists: a full disk leaves the current segment, and its promised
            // space, in use
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
        current = channel;
        currentPath = path;
        writePosition = 0;
        durablePosition = 0;
        unwritable = null;
    }

    /**
     * After a failed write or fsync: the current segment is cut back to what is known to be on disk and closed, so
     * nothing is appended after a torn record; the appenders waiting for the failed fsync get its error.
     */
    private void cutBack(String why) {
        try {
            current.truncate(durablePosition);
            current.force(true);
        } catch (IOException ignored) {
            // the reader stops at the torn record, which is now the segment's tail
        }
        try {
            current.close();
        } catch (IOException ignored) {
            // closed or not, the segment is never written again
        }
        long lostBytes = 0;
        for (long[] record : pending) {
            lostBytes += record[1];
        }
        bytes.addAndGet(-lostBytes);
        records.addAndGet(-pending.size());
        pending.clear();
        cut = current;
        current = null;
        unwritable = "the spool's last " + why;
        // whoever waits for an fsync of what was just cut away must not be told it is on disk
        nextForce.completeExceptionally(new IOException(unwritable));
        nextForce = new CompletableFuture<>();
        dirty = false;
    }

    /**
     * Group commit, on one thread: waits for an append, fsyncs everything appended so far and releases those
     * appenders together; at most one fsync per {@code fsyncEvery}, so appends arriving meanwhile share the next.
     * Appenders wait on one future per fsync, not on a monitor, so a crowd of them costs nothing to wake.
     */
    private void flushLoop() {
        long lastForce = 0;
        while (true) {
            CompletableFuture<Void> batch;
            FileChannel channel;
            long upTo;
            synchronized (lock) {
                while (!dirty && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed && !dirty) {
                    return;
                }
            }
            long wait = fsyncEveryNanos - (System.nanoTime() - lastForce);
            if (wait > 0) {
                LockSupport.parkNanos(wait); // gather the appends of this window into one fsync
            }
            synchronized (lock) {
                batch = nextForce;
                nextForce = new CompletableFuture<>();
                dirty = false;
                channel = current;
                upTo = writePosition;
            }
            lastForce = System.nanoTime();
            IOException failed = null;
            channelLock.lock();
            try {
                if (channel != null && channel.isOpen()) {
                    channel.force(false);
                } else if (channel != null && channel == cut) {
                    failed = new IOException(
                            unwritable); // cut back after a failure, not closed by a roll that forced it
                } // else a roll has closed it, after forcing it
            } catch (IOException e) {
                failed = e;
            } finally {
                channelLock.unlock();
            }
            if (failed == null) {
                synchronized (lock) {
                    if (channel == current) {
                        durablePosition = Math.max(durablePosition, upTo);
                        while (!pending.isEmpty() && pending.peekFirst()[0] <= upTo) {
                            pending.removeFirst();
                        }
                    }
                }
                batch.complete(null);
            } else {
                synchronized (lock) {
                    if (channel != null && channel == current) {
                        cutBack("fsync failed: " + failed.getMessage());
                    }
                }
                batch.completeExceptionally(failed);
            }
        }
    }

    /**
     * Closes the segment being written unless calls that were promised space in it are still in flight (closing it
     * would take that space from them); true when it was closed, or none was open.
     */
    public boolean rollIfIdle() throws IOException {
        synchronized (lock) {
            if (reserved > 0) {
                return false;
            }
            closeCurrent();
            return true;
        }
    }

    /** Closes the segment being written, so that every record so far is in a closed segment. */
    public void roll() throws IOException {
        synchronized (lock) {
            closeCurrent();
        }
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            channelLock.lock();
            try {
                current.force(false);
                current.close();
            } catch (IOException e) {
                cutBack("fsync failed: " + e.getMessage());
                throw e;
            } finally {
                channelLock.unlock();
            }
            current = null;
            pending.clear();
            nextForce.complete(null); // everything appended so far is on disk now
            nextForce = new CompletableFuture<>();
            dirty = false;
        }
    }

    /** Closed segments, oldest first. */
    public List<Path> closedSegments() throws IOException {
        synchronized (lock) {
            List<Path> closedOnes = new ArrayList<>(segments());
            closedOnes.remove(currentPath == null || current == null ? null : currentPath);
            return closedOnes;
        }
    }

    /** The valid records of a closed segment, up to its zero-filled end; a torn tail is skipped and reported. */
    public static Segment read(Path segment) throws IOException {
        byte[] data = Files.readAllBytes(segment);
        ByteBuffer in = ByteBuffer.wrap(data);
        List<byte[]> out = new ArrayList<>();
        while (in.remaining() >= HEADER) {
            int length = in.getInt(in.position());
            int crc = in.getInt(in.position() + 4);
            if (length == 0) {
                return new Segment(out, !zeros(data, in.position()));
            }
            if (length < 0 || length > in.remaining() - HEADER) {
                return new Segment(out, true);
            }
            byte[] record = new byte[length];
            in.position(in.position() + HEADER);
            in.get(record);
            CRC32C check = new CRC32C();
            check.update(record);
            if ((int) check.getValue() != crc) {
                return new Segment(out, true);
            }
            out.add(record);
        }
        return new Segment(out, !zeros(data, in.position()));
    }

    private static boolean zeros(byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Removes a drained segment. */
    public void delete(Path segment, Segment drained) throws IOException {
        Files.delete(segment);
        bytes.addAndGet(
                -drained.records().stream().mapToLong(r -> HEADER + r.length).sum());
        records.addAndGet(-drained.records().size());
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".spool"))
                    .sorted()
                    .toList();
        }
    }

    private static long number(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring("segment-".length(), name.length() - ".spool".length()));
    }

    @Override
    public void close() throws IOException {
        roll();
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            flusher.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
