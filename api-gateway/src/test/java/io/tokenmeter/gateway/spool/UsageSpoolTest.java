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
                spool.append(("event-" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        UsageSpool reopened = new UsageSpool(dir, 1 << 20, 1_000_000);
        assertThat(reopened.depthRecords()).isEqualTo(100);
        List<String> drained = new ArrayList<>();
        for (Path segment : reopened.closedSegments()) {
            List<byte[]> records = UsageSpool.read(segment);
            records.forEach(r -> drained.add(new String(r, StandardCharsets.UTF_8)));
            reopened.delete(segment, records.size());
        }
        assertThat(drained).hasSize(100).startsWith("event-0", "event-1").endsWith("event-99");
        assertThat(reopened.depthBytes()).isZero();
        assertThat(reopened.depthRecords()).isZero();
    }

    @Test
    void concurrentAppendsAreAllKeptOnce() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 1 << 24, 5_000_000); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                int n = i;
                writes.add(pool.submit(() -> {
                    spool.append(("e" + n).getBytes(StandardCharsets.UTF_8));
                    return null;
                }));
            }
            for (Future<?> w : writes) {
                w.get();
            }
            spool.roll();
            long total = 0;
            for (Path segment : spool.closedSegments()) {
                total += UsageSpool.read(segment).size();
            }
            assertThat(total).isEqualTo(2_000);
        }
    }

    @Test
    void aTornLastRecordIsDroppedAndTheRestKept() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 1 << 20, 1_000_000)) {
            spool.append("complete".getBytes(StandardCharsets.UTF_8));
        }
        Path segment;
        try (var files = Files.list(dir)) {
            segment = files.findFirst().orElseThrow();
        }
        Files.write(segment, new byte[]{0, 0, 0, 50, 1, 2, 3, 4, 'p', 'a', 'r'}, StandardOpenOption.APPEND); // a crash mid-write
        assertThat(UsageSpool.read(segment)).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("complete");
    }

    @Test
    void aFullSpoolRefusesMore() throws Exception {
        try (UsageSpool spool = new UsageSpool(dir, 20, 1_000_000)) {
            spool.append(new byte[16]);
            assertThat(spool.isFull()).isTrue();
            assertThatThrownBy(() -> spool.append(new byte[1])).hasMessageContaining("usage spool full");
        }
    }
}
