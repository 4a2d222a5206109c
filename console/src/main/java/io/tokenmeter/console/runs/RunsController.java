package io.tokenmeter.console.runs;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.JsonNode;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

/**
 * Invoice runs for finance: start one for a month, watch it (the page refreshes its progress while tenants are
 * pending), see each failed tenant with its cause and retry it, re-rate the drafts, and read the reconciliation.
 */
@Controller
class RunsController {

    private final Platform platform;
    private final ConsoleSession session;

    RunsController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/finance/runs")
    String runs(@RequestParam(defaultValue = "0") int page, Model model) {
        model.addAttribute(
                "runs",
                platform.get(session.key(), "/api/v1/billing/runs", Map.of("page", Math.max(0, page), "size", 25)));
        model.addAttribute("page", Math.max(0, page));
        model.addAttribute(
                "previousMonth", YearMonth.now(ZoneOffset.UTC).minusMonths(1).toString());
        return "runs";
    }

    @PostMapping("/console/finance/runs")
    String start(@RequestParam(defaultValue = "") String period, Model model, RedirectAttributes flash) {
        try {
            YearMonth.parse(period.strip());
        } catch (java.time.format.DateTimeParseException e) {
            flash.addFlashAttribute("periodError", "Period must be a month such as 2026-11.");
            return "redirect:/console/finance/runs";
        }
        try {
            JsonNode run = platform.post(session.key(), "/api/v1/billing/runs", Map.of("period", period.strip()));
            return "redirect:/console/finance/runs/" + run.path("id").asString();
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            flash.addFlashAttribute("periodError", e.plain() + " (request " + e.requestId() + ")");
            return "redirect:/console/finance/runs";
        }
    }

    @GetMapping("/console/finance/runs/{id}")
    String run(@PathVariable UUID id, Model model) {
        model.addAttribute("run", platform.get(session.key(), "/api/v1/billing/runs/" + id, Map.of()));
        model.addAttribute(
                "reconciliation",
                platform.get(session.key(), "/api/v1/billing/runs/" + id + "/reconciliation", Map.of()));
        return "run";
    }

    /** The progress panel alone, which the page asks for every two seconds while the run has tenants pending. */
    @GetMapping("/console/finance/runs/{id}/progress")
    String progress(@PathVariable UUID id, Model model) {
        model.addAttribute("run", platform.get(session.key(), "/api/v1/billing/runs/" + id, Map.of()));
        return "run :: progress";
    }

    @PostMapping("/console/finance/runs/{id}/tenants/{tenantId}/retry")
    String retry(@PathVariable UUID id, @PathVariable String tenantId, RedirectAttributes flash) {
        platform.post(session.key(), "/api/v1/billing/runs/" + id + "/tenants/" + tenantId + "/retry", Map.of());
        flash.addFlashAttribute("notice", "Tenant " + tenantId + " retried.");
        return "redirect:/console/finance/runs/" + id;
    }

    @PostMapping("/console/finance/runs/{id}/rerate")
    String rerate(@PathVariable UUID id, RedirectAttributes flash) {
        platform.post(session.key(), "/api/v1/billing/runs/" + id + "/rerate", Map.of());
        flash.addFlashAttribute("notice", "The run's drafts were priced again.");
        return "redirect:/console/finance/runs/" + id;
    }
}
