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
import java.util.concurrent.atomic.AtomicLong;
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
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private FileChannel current;
    private Path currentPath;
    private long nextSegment;
    private long written;    // bytes appended to the current segment
    private long forced;     // of which fsync'd
    private long lastForce = System.nanoTime();

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
        long mine;
        synchronized (lock) {
            if (current == null) {
                currentPath = directory.resolve(String.format("segment-%012d.spool", nextSegment++));
                current = FileChannel.open(currentPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                written = 0;
                forced = 0;
            }
            while (buffer.hasRemaining()) {
                current.write(buffer);
            }
            written += 8 + record.length;
            mine = written;
            bytes.addAndGet(8 + record.length);
            records.incrementAndGet();
        }
        awaitForced(mine);
    }

    /** Group commit: one fsync serves every append that arrived within the window before it. */
    private void awaitForced(long position) throws IOException {
        synchronized (lock) {
            while (forced < position) {
                long now = System.nanoTime();
                long wait = fsyncEveryNanos - (now - lastForce);
                if (wait > 0) {
                    try {
                        long millis = wait / 1_000_000;
                        lock.wait(millis, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for the spool's fsync", e);
                    }
                    continue;
                }
                if (current != null && forced < written) {
                    current.force(false);
                    forced = written;
                }
                lastForce = System.nanoTime();
                lock.notifyAll();
            }
        }
    }

    /** Closes the segment being written, so that every record so far is in a closed segment. */
    public void roll() throws IOException {
        synchronized (lock) {
            if (current != null) {
                current.force(false);
                current.close();
                current = null;
                forced = written;
                lock.notifyAll();
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
    }
}
