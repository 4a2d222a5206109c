package io.tokenmeter.contracts.usage;

import io.tokenmeter.contracts.WireSchemas;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Metering's billable usage (what billing reads to invoice) and its schema say the same. */
class BillableUsageSchemaTest {

    @Test
    void billableUsageIsWhatItsSchemaDescribes() {
        Instant from = Instant.parse("2026-11-01T00:00:00Z");
        WireSchemas schema = WireSchemas.of("billable-usage.v1.schema.json")
                .describes(BillableUsage.class, "")
                .describes(BillableUsage.Line.class, "/$defs/line")
                .describes(BillableUsage.Bucket.class, "/$defs/bucket");
        schema.acceptsWhatTheRecordWrites(new BillableUsage(
                "t-1",
                from,
                from.plusSeconds(86_400),
                null,
                from.plusSeconds(90_000),
                60,
                List.of(from.plusSeconds(1_000)),
                42,
                List.of(new BillableUsage.Line(
                        "qwen3-max",
                        "cn-hangzhou",
                        "output",
                        900,
                        List.of(new BillableUsage.Bucket(from, from.plusSeconds(3600), 900))))));
        assertThat(schema.errors("""
                {"tenant_id":"t-1","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","bucket_minutes":60,"events":1,
                 "lines":[{"model":"m","region":"r","token_class":"input","tokens":1}]}""")).as("a line without buckets").isNotEmpty();
    }
}
