package io.tokenmeter.gateway.spool;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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
 * segments, oldest first, and deletes each once its records are safely elsewhere. A torn last record (a
 * crash mid-write) fails its checksum and is dropped: it was never acknowledged to anyone.
 * <p>
 * Record: {@code int length, int crc32c, byte[length]}.
 */
public final class UsageSpool implements Closeable {

    private final Path directory;
    private final long maxBytes;
    private final long fsyncEveryNanos;
    private final Object lock = new Object();
    /** Held while the channel is forced or closed, so that a roll never closes it under the flusher. */
    private final ReentrantLock channelLock = new ReentrantLock();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final Thread flusher;
    private FileChannel current;
    private Path currentPath;
    private long nextSegment;
    /** Completed by the first fsync that starts after the records appended with it. */
    private CompletableFuture<Void> nextForce = new CompletableFuture<>();
    private boolean dirty;
    private boolean closed;

    public UsageSpool(Path directory, long maxBytes, long fsyncEveryNanos) throws IOException {
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.fsyncEveryNanos = fsyncEveryNanos;
        Files.createDirectories(directory);
        for (Path segment : segments()) {
            bytes.addAndGet(Files.size(segment));
            records.addAndGet(countRecords(segment));
            nextSegment = Math.max(nextSegment, number(segment) + 1);
        }
        this.flusher = Thread.ofPlatform().daemon().name("usage-spool-fsync").start(this::flushLoop);
    }

    /** Bytes waiting to be drained. */
    public long depthBytes() {
        return bytes.get();
    }

    /** Records waiting to be drained (approximate while a segment is being written). */
    public long depthRecords() {
        return records.get();
    }

    public boolean isFull() {
        return bytes.get() >= maxBytes;
    }

    /** Appends a record and returns once it is on disk. */
    public void append(byte[] record) throws IOException {
        if (isFull()) {
            throw new IOException("usage spool full (" + bytes.get() + " bytes in " + directory + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(record);
        ByteBuffer buffer = ByteBuffer.allocate(8 + record.length).putInt(record.length).putInt((int) crc.getValue()).put(record).flip();
        CompletableFuture<Void> force;
        synchronized (lock) {
            if (closed) {
                throw new IOException("usage spool closed");
            }
            if (current == null) {
                currentPath = directory.resolve(String.format("segment-%012d.spool", nextSegment++));
                current = FileChannel.open(currentPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            while (buffer.hasRemaining()) {
                current.write(buffer);
            }
            bytes.addAndGet(8 + record.length);
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
     * Group commit, on one thread: waits for an append, fsyncs everything appended so far and releases those
     * appenders together; at most one fsync per {@code fsyncEvery}, so appends arriving meanwhile share the next.
     * Appenders wait on one future per fsync, not on a monitor, so a crowd of them costs nothing to wake.
     */
    private void flushLoop() {
        long lastForce = 0;
        while (true) {
            CompletableFuture<Void> batch;
            FileChannel channel;
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
            }
            lastForce = System.nanoTime();
            channelLock.lock();
            try {
                if (channel != null && channel.isOpen()) {
                    channel.force(false);
                } // else a roll has closed it, after forcing it
                batch.complete(null);
            } catch (IOException e) {
                batch.completeExceptionally(e);
            } finally {
                channelLock.unlock();
            }
        }
    }

    /** Closes the segment being written, so that every record so far is in a closed segment. */
    public void roll() throws IOException {
        synchronized (lock) {
            if (current != null) {
                channelLock.lock();
                try {
                    current.force(false);
                    current.close();
                } finally {
                    channelLock.unlock();
                }
                current = null;
                nextForce.complete(null); // everything appended so far is on disk now
                nextForce = new CompletableFuture<>();
                dirty = false;
            }
        }
    }

    /** Closed segments, oldest first. */
    public List<Path> closedSegments() throws IOException {
        synchronized (lock) {
            List<Path> closed = new ArrayList<>(segments());
            closed.remove(currentPath == null || current == null ? null : currentPath);
            return closed;
        }
    }

    /** The valid records of a closed segment; a torn tail is skipped. */
    public static List<byte[]> read(Path segment) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(segment); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            while (true) {
                int length;
                int crc;
                try {
                    length = in.readInt();
                    crc = in.readInt();
                } catch (EOFException end) {
                    break;
                }
                if (length < 0 || length > 16 * 1024 * 1024) {
                    break; // garbage: a torn header
                }
                byte[] record = new byte[length];
                try {
                    in.readFully(record);
                } catch (EOFException torn) {
                    break;
                }
                CRC32C check = new CRC32C();
                check.update(record);
                if ((int) check.getValue() != crc) {
                    break;
                }
                out.add(record);
            }
        }
        return out;
    }

    /** Removes a drained segment. */
    public void delete(Path segment, int recordCount) throws IOException {
        long size = Files.size(segment);
        Files.delete(segment);
        bytes.addAndGet(-size);
        records.addAndGet(-recordCount);
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".spool")).sorted().toList();
        }
    }

    private static long number(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring("segment-".length(), name.length() - ".spool".length()));
    }

    private static long countRecords(Path segment) throws IOException {
        return read(segment).size();
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
