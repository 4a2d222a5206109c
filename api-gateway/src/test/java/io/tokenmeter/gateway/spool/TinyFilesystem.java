package io.tokenmeter.gateway.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real filesystem of a few hundred KB, to fill up for real: a tmpfs mounted with {@code mount} (the tests run as
 * root on the build machines, and CI does too). A test that needs it fails when it cannot be mounted, saying why.
 */
public final class TinyFilesystem {

    private TinyFilesystem() {
    }

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
            throw new IllegalStateException(String.join(" ", command) + " failed (a tiny tmpfs needs root): " + output);
        }
    }
}
