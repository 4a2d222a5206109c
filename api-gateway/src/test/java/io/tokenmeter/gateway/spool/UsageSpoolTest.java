package io.tokenmeter.gateway.spool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UsageSpoolTest {

    @TempDir
    Path dir;

    @Test
    void recordsSurviveReopeningAndDrainInOrder() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 1 << 20, 1_000_000)) {
            for (int i = 0; i < 100; i++) {
                spool.append(("event-" + i).getBytes(StandardCharsets.UTF_8), false);
            }
        }
        UsageSpool reopened = new UsageSpool(dir, 1 << 20, 1_000_000);
        assertThat(reopened.depthRecords()).isEqualTo(100);
        List<String> drained = new ArrayList<>();
        for (Path segment : reopened.closedSegments()) {
            UsageSpool.Segment content = UsageSpool.read(segment);
            content.records().forEach(r -> drained.add(new String(r, StandardCharsets.UTF_8)));
            reopened.delete(segment, content);
        }
        assertThat(drained).hasSize(100).startsWith("event-0", "event-1").endsWith("event-99");
        assertThat(reopened.depthBytes()).isZero();
        assertThat(reopened.depthRecords()).isZero();
    }

    @Test
    void concurrentAppendsAreAllKeptOnce() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 1 << 24, 5_000_000);
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                int n = i;
                writes.add(pool.submit(() -> {
                    spool.append(("e" + n).getBytes(StandardCharsets.UTF_8), false);
                    return null;
                }));
            }
            for (Future<?> w : writes) {
                w.get();
            }
            spool.roll();
            long total = 0;
            for (Path segment : spool.closedSegments()) {
                total += UsageSpool.read(segment).records().size();
            }
            assertThat(total).isEqualTo(2_000);
        }
    }

    @Test
    void aTornLastRecordIsDroppedCountedAsTornAndTheRestKept() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 1 << 20, 1_000_000)) {
            spool.append("complete".getBytes(StandardCharsets.UTF_8), false);
        }
        Path segment;
        try (var files = Files.list(dir)) {
            segment = files.findFirst().orElseThrow();
        }
        assertThat(UsageSpool.read(segment).torn())
                .as("the zero-filled rest of a segment is not torn")
                .isFalse();
        try (var channel = java.nio.channels.FileChannel.open(segment, StandardOpenOption.WRITE)) { // a crash mid-write
            channel.write(
                    java.nio.ByteBuffer.wrap(new byte[] {0, 0, 0, 50, 1, 2, 3, 4, 'p', 'a', 'r'}),
                    8 + "complete".length());
        }
        UsageSpool.Segment content = UsageSpool.read(segment);
        assertThat(content.records())
                .extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactly("complete");
        assertThat(content.torn()).isTrue();
    }

    @Test
    void aFullSpoolRefusesMore() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 20, 1_000_000)) {
            spool.append(new byte[16], false);
            assertThat(spool.isFull()).isTrue();
            assertThat(spool.tryReserve()).isFalse();
            assertThatThrownBy(() -> spool.append(new byte[1], false)).hasMessageContaining("usage spool full");
        }
    }

    @Test
    void aDiskWithoutRoomForASegmentRefusesReservationsAndSaysWhy() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 1 << 20, 1_000_000, 64 * 1024, Long.MAX_VALUE / 4)) {
            assertThat(spool.tryReserve()).isFalse();
            assertThat(spool.unwritable()).contains("bytes free");
            assertThatThrownBy(() -> spool.append(new byte[10], true)).hasMessageContaining("bytes free");
            try (var files = Files.list(dir)) {
                assertThat(files.toList()).as("no half-made segment is left").isEmpty();
            }
        }
    }

    /**
     * On a real, tiny filesystem (a 512 KB tmpfs, mounted for the test): appends fill it until no segment fits; every
     * append that returned is read back, none that failed is, a call is refused its reservation once nothing can be
     * promised, and the spool takes records again once the disk has room.
     */
    @Test
    void onAFullDiskOnlyAppendsThatReturnedAreKeptAndReservationsAreRefused() throws Exception {
        Path mount = TinyFilesystem.mount(dir.resolve("tiny"), "512k");
        try (UsageSpool spool = new UsageSpool(mount.resolve("spool"), 1 << 30, 1_000_000, 128 * 1024, 0)) {
            List<String> kept = new ArrayList<>();
            int refusedReservations = 0;
            for (int i = 0; i < 10_000 && refusedReservations == 0; i++) {
                if (!spool.tryReserve()) {
                    refusedReservations++;
                    break;
                }
                try {
                    String record = "event-" + i + "-" + "x".repeat(400);
                    spool.append(record.getBytes(StandardCharsets.UTF_8), true);
                    kept.add(record);
                } finally {
                    spool.release();
                }
            }
            assertThat(refusedReservations).as("the disk fills up").isEqualTo(1);
            assertThat(spool.unwritable()).contains("bytes free");
            // what is left of the last segment still takes records that were promised nothing, until it is full too
            java.io.IOException full = null;
            for (int i = 0; full == null && i < 1_000; i++) {
                String record = "late-" + i + "-" + "y".repeat(400);
                try {
                    spool.append(record.getBytes(StandardCharsets.UTF_8), false);
                    kept.add(record);
                } catch (java.io.IOException e) {
                    full = e;
                }
            }
            assertThat(full).as("the disk is full").isNotNull();
            spool.roll();
            List<String> read = new ArrayList<>();
            List<Path> segments = spool.closedSegments();
            for (Path segment : segments) {
                UsageSpool.Segment content = UsageSpool.read(segment);
                assertThat(content.torn()).isFalse();
                content.records().forEach(r -> read.add(new String(r, StandardCharsets.UTF_8)));
            }
            assertThat(read).isEqualTo(kept);
            assertThat(spool.depthRecords()).isEqualTo(kept.size());

            spool.delete(segments.getFirst(), UsageSpool.read(segments.getFirst())); // drained: room again
            assertThat(spool.tryReserve()).isTrue();
            spool.append("after".getBytes(StandardCharsets.UTF_8), true);
            spool.release();
        } finally {
            TinyFilesystem.unmount(mount);
        }
    }
}
