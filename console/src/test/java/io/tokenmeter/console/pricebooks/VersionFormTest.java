package io.tokenmeter.console.pricebooks;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class VersionFormTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private final JsonNode version = json.readTree("""
            {"version":1,"off_peak":{"start":"16:30:00","end":"00:30:00","discount_percent":50},
             "rates":[{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","rate_per_million":0.27},
                      {"model":"glm-5","region":"cn-beijing","token_class":"input","mode":"graduated",
                       "tiers":[{"from_tokens":0,"rate_per_million":1.0},
                                {"from_tokens":1000000000,"rate_per_million":0.9}]}]}""");

    @Test
    void aFormStartsFromAVersionAndGivesItsBodyBack() {
        VersionForm form = VersionForm.from(version);
        form.setEffectiveFrom("2027-01-01T00:00");
        form.getRates().get(1).getTiers().add(new VersionForm.Tier()); // an unused tier row is left out

        VersionForm.Request request = form.toRequest(null);

        assertThat(request.errors()).isEmpty();
        Map<String, Object> body = request.body();
        assertThat(body.get("effective_from")).isEqualTo("2027-01-01T00:00:00Z");
        assertThat(body.get("off_peak"))
                .isEqualTo(Map.of("start", "16:30", "end", "00:30", "discount_percent", new BigDecimal("50")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rates = (List<Map<String, Object>>) body.get("rates");
        assertThat(rates.get(0)).containsEntry("rate_per_million", new BigDecimal("0.27"));
        assertThat(rates.get(1)).containsEntry("mode", "graduated").doesNotContainKey("rate_per_million");
        assertThat((List<?>) rates.get(1).get("tiers")).hasSize(2);
    }

    @Test
    void whatIsNotANumberIsNamedByTheSamePointerThePricingServiceUses() {
        VersionForm form = VersionForm.from(version);
        form.setEffectiveFrom("next tuesday");
        form.getRates().get(0).setRate("abc");
        form.getRates().get(1).getTiers().get(1).setRate("");

        VersionForm.Request request = form.toRequest(null);

        assertThat(request.errors())
                .containsOnlyKeys("/effective_from", "/rates/0/rate_per_million", "/rates/1/tiers/1/rate_per_million");
        assertThat(request.errors().get("/rates/0/rate_per_million")).contains("\"abc\" is not a number");
    }

    @Test
    void aCalendarOfWindowsIsKeptAsItIs() {
        JsonNode calendar = json.readTree("""
                {"time_zone":"UTC","discount_percent":50,"windows":[{"days":["SAT","SUN"],"all_day":true}]}""");
        VersionForm form = VersionForm.from(json.readTree("{\"off_peak\":" + calendar + ",\"rates\":[]}"));
        assertThat(form.getOffPeakCalendar()).isNotBlank();
        assertThat(form.getOffPeakStart()).isEmpty();
        assertThat(form.toRequest(calendar).body().get("off_peak")).isEqualTo(calendar);
    }
}
