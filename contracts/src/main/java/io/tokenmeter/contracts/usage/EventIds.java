package io.tokenmeter.contracts.usage;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.NameBasedGenerator;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

import java.util.UUID;

/** Event ids: UUIDv7 for events we create, name-based UUIDv5 for ids given by others. */
public final class EventIds {

    private static final TimeBasedEpochGenerator V7 = Generators.timeBasedEpochGenerator();
    private static final NameBasedGenerator V5 =
            Generators.nameBasedGenerator(UUID.fromString("4f7d3c1e-9b0a-4e7b-8f4e-2d1c6a5b9e10"));

    private EventIds() {}

    public static UUID newEventId() {
        return V7.generate();
    }

    /**
     * CloudEvents are unique by source and id. An id that is a UUID already is kept, so an event replayed
     * through another path keeps its identity; any other id is hashed with its source into a stable UUID.
     */
    public static UUID fromCloudEvent(String source, String id) {
        try {
            if (id.length() == 36) {
                return UUID.fromString(id);
            }
        } catch (IllegalArgumentException notAUuid) {
            // fall through to the name-based id
        }
        return V5.generate(source + "\u0000" + id);
    }
}
