package io.tokenmeter.gateway.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real filesystem of a few hundred KB, to fill up for real: a tmpfs mounted with {@code mount} (the tests run as
 * root on the build machines, and CI does too). Where mounting is not permitted at all (no root, no CAP_SYS_ADMIN)
 * the test is aborted, loudly, rather than faked; any other failure fails it.
 */
public final class TinyFilesystem {

    private TinyFilesystem() {}

    public static Path mount(Path at, String size) throws IOException, InterruptedException {
        Files.createDirectories(at);
        run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0777", "tokenmeter-test", at.toString()));
        return at;
    }

    public static void unmount(Path at) throws IOException, InterruptedException {
        run(List.of("umount", "-l", at.toString()));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            String lower = output.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("permission denied")
                    || lower.contains("not permitted")
                    || lower.contains("only root")
                    || lower.contains("must be superuser")) {
                System.err.println(
                        "TINY FILESYSTEM UNAVAILABLE, TEST ABORTED: " + String.join(" ", command) + ": " + output);
                throw new org.opentest4j.TestAbortedException(
                        "this machine does not let the tests mount a tmpfs: " + output);
            }
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
