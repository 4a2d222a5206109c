package io.tokenmeter.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Where an end-to-end test finds the checkout, and a state directory of its own, emptied of an earlier run. */
final class E2eDirectories {

    private E2eDirectories() {}

    /** The checkout's root (the build passes it as {@code tokenmeter.home}). */
    static Path home() {
        return Path.of(System.getProperty("tokenmeter.home", ".."))
                .toAbsolutePath()
                .normalize();
    }

    /** {@code e2e-tests/target/<name>}, empty. */
    static Path freshState(String name) throws IOException {
        Path state = home().resolve("e2e-tests/target").resolve(name);
        if (Files.exists(state)) {
            try (Stream<Path> files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return state;
    }
}
