package io.tokenmeter.console.usage;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.session.ConsoleSession;
import io.tokenmeter.console.session.SignedInUser;
import io.tokenmeter.console.web.Formats;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tenant's usage over time (tokens or money of its own currency, by model, region or token class, by hour or day)
 * and this month's spend; the request log, each call with its tokens, cost, region and latency. Staff see a tenant's by
 * naming it.
 */
@Controller
class UsageController {

    private static final Set<String> GROUPS = Set.of("model", "region", "token_class");

    private final Platform platform;
    private final ConsoleSession session;
    private final JsonMapper json;
    private final Formats fmt;

    UsageController(Platform platform, ConsoleSession session, JsonMapper json, Formats fmt) {
        this.platform = platform;
        this.session = session;
        this.json = json;
        this.fmt = fmt;
    }

    @GetMapping("/console/usage")
    String usage(
            @RequestParam(defaultValue = "day") String granularity,
            @RequestParam(name = "by", defaultValue = "model") String by,
            @RequestParam(defaultValue = "7") int days,
            @RequestParam(defaultValue = "tokens") String measure,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            Model model) {
        SignedInUser user = session.user();
        String grain = granularity.equals("hour") ? "hour" : "day";
        String group = GROUPS.contains(by) ? by : "model";
        boolean money = measure.equals("money");
        // spend per hour spans at most 31 days (GET /api/v1/spend/series); a chart from midnight 30 days ago fits
        int span = Math.max(1, Math.min(days, money && grain.equals("hour") ? 30 : 90));
        String tenant = user.tenantParameter(tenantId);
        model.addAttribute("granularity", grain);
        model.addAttribute("by", group);
        model.addAttribute("days", span);
        model.addAttribute("measure", money ? "money" : "tokens");
        model.addAttribute("tenantId", tenant);
        if (user.tenantShown(tenantId) == null) {
            return "usage"; // staff first pick a tenant
        }
        Instant to = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        Instant from = to.minus(Duration.ofDays(span)).truncatedTo(ChronoUnit.DAYS);
        Duration step = grain.equals("hour") ? Duration.ofHours(1) : Duration.ofDays(1);
        Map<String, Object> query = new HashMap<>();
        query.put("from", from);
        query.put("to", to);
        query.put("granularity", grain);
        query.put("tenant_id", tenant);
        UsageChart chart;
        if (money) {
            chart = UsageChart.ofSpend(
                    platform.get(session.key(), "/api/v1/spend/series", query), group, from, to, step);
        } else {
            query.put("group_by", group.equals("token_class") ? null : group);
            chart = UsageChart.of(platform.get(session.key(), "/api/v1/usage", query), group, from, to, step);
        }
        List<String> labels = chart.periods().stream()
                .map(p -> grain.equals("hour") ? fmt.hour(p) : fmt.day(p))
                .toList();
        model.addAttribute("chart", chart);
        model.addAttribute("labels", labels);
        model.addAttribute(
                "chartJson",
                json.writeValueAsString(Map.of(
                        "labels",
                        labels,
                        "series",
                        chart.series().stream()
                                .map(s -> Map.of("name", s.name(), "values", s.values()))
                                .toList(),
                        "unit",
                        chart.unit())));
        model.addAttribute("from", from);
        model.addAttribute("to", to);
        Map<String, Object> spendQuery = new HashMap<>();
        spendQuery.put("tenant_id", tenant);
        model.addAttribute("spend", platform.get(session.key(), "/api/v1/spend", spendQuery));
        return "usage";
    }

    @GetMapping("/console/requests")
    String requests(
            @RequestParam(required = false) String after,
            @RequestParam(required = false) String model,
            @RequestParam(required = false) String status,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            Model page) {
        SignedInUser user = session.user();
        String tenant = user.tenantParameter(tenantId);
        page.addAttribute("tenantId", tenant);
        page.addAttribute("modelFilter", model);
        page.addAttribute("statusFilter", status);
        if (user.tenantShown(tenantId) == null) {
            return "requests";
        }
        Map<String, Object> query = new HashMap<>();
        query.put("after", after);
        query.put("model", model);
        query.put("status", status);
        query.put("limit", 50);
        query.put("tenant_id", tenant);
        query.put("from", Instant.now().minus(Duration.ofDays(31)));
        page.addAttribute("log", platform.get(session.key(), "/api/v1/requests", query));
        page.addAttribute("after", after);
        return "requests";
    }
}
