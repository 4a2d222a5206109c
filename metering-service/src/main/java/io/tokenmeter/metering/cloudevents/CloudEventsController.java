package io.tokenmeter.metering.cloudevents;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.metering.ingest.UsageEventRepository;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

@RestController
class CloudEventsController {

    static final int MAX_BATCH = 10_000;
    private static final JsonMapper JSON = WireJson.MAPPER;

    private final UsageEventRepository store;

    CloudEventsController(UsageEventRepository store) {
        this.store = store;
    }

    @PostMapping(
            path = "/api/v1/events",
            consumes = {"application/cloudevents+json", "application/cloudevents-batch+json", "application/json"})
    @Operation(
            summary = "Ingest usage as CloudEvents (admin keys)",
            description = "A single structured CloudEvent or a batch (JSON array). Each event is validated and "
                    + "deduplicated on its (source, id) like events from Kafka; the answer gives each one's outcome.")
    IngestResult ingest(Caller caller, @RequestBody byte[] body) {
        Access.admin(caller, "only admin keys may ingest usage events");
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(
                    InvalidField.body("", "json", "the body is not JSON: " + e.getOriginalMessage()));
        }
        List<JsonNode> items = new ArrayList<>();
        if (root != null && root.isArray()) {
            root.forEach(items::add);
        } else if (root != null && root.isObject()) {
            items.add(root);
        } else {
            throw ApiException.invalid(
                    InvalidField.body("", "type", "the body must be a CloudEvent object or an array of them"));
        }
        if (items.isEmpty() || items.size() > MAX_BATCH) {
            throw ApiException.invalid(InvalidField.body("", "size", "a batch holds 1 to " + MAX_BATCH + " events"));
        }

        List<CloudEventMapper.Mapped> mapped =
                items.stream().map(CloudEventMapper::map).toList();
        Map<UUID, UsageEvent> valid = new LinkedHashMap<>();
        for (CloudEventMapper.Mapped m : mapped) {
            if (m.event() != null) {
                valid.putIfAbsent(m.eventId(), m.event());
            }
        }
        UsageEventRepository.Stored stored =
                store.storeIsolating(valid.values(), UsageEventRepository.Source.INGEST_API);
        Set<UUID> fresh = stored.fresh();

        List<IngestResult.EventResult> results = new ArrayList<>(mapped.size());
        int accepted = 0;
        int duplicates = 0;
        int rejected = 0;
        for (int i = 0; i < mapped.size(); i++) {
            CloudEventMapper.Mapped m = mapped.get(i);
            IngestResult.Outcome outcome;
            String reason = m.reason();
            if (m.event() == null) {
                outcome = IngestResult.Outcome.REJECTED;
                rejected++;
            } else if (stored.refused().containsKey(m.eventId())) { // valid, and refused by the database all the same
                outcome = IngestResult.Outcome.REJECTED;
                reason = stored.refused().get(m.eventId());
                rejected++;
            } else if (fresh.remove(m.eventId())) { // remove: a second copy in the same batch is a duplicate
                outcome = IngestResult.Outcome.ACCEPTED;
                accepted++;
            } else {
                outcome = IngestResult.Outcome.DUPLICATE;
                duplicates++;
            }
            results.add(new IngestResult.EventResult(i, m.id(), m.eventId(), outcome, reason));
        }
        return new IngestResult(accepted, duplicates, rejected, results);
    }
}
