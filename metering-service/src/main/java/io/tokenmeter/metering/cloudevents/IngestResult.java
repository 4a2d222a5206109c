package io.tokenmeter.metering.cloudevents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.UUID;

/** Per-event outcomes of an ingest request, in request order. */
public record IngestResult(int accepted, int duplicates, int rejected, List<EventResult> results) {

    public enum Outcome {
        @JsonProperty("accepted")
        ACCEPTED,
        /** Stored before: counted once, by the earlier delivery. */
        @JsonProperty("duplicate")
        DUPLICATE,
        @JsonProperty("rejected")
        REJECTED
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EventResult(int index, String id, UUID eventId, Outcome outcome, String reason) {}
}
