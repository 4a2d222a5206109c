package io.tokenmeter.console.invoices;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import io.tokenmeter.console.web.Downloads;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Invoices and credit notes: a tenant sees its own (billing scopes the list and refuses another's invoice), finance
 * filters all of them, opens one, issues, marks paid, voids, credits part of it and exports the lines as CSV.
 */
@Controller
class InvoicesController {

    private static final int PAGE_SIZE = 25;

    private final Platform platform;
    private final ConsoleSession session;

    InvoicesController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/invoices")
    String list(
            @RequestParam(required = false) String status,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(name = "run_id", required = false) String runId,
            @RequestParam(defaultValue = "0") int page,
            Model model) {
        Map<String, Object> query = new HashMap<>();
        query.put("status", status);
        query.put("tenant_id", session.user().tenant() ? null : tenantId);
        query.put("run_id", runId);
        query.put("page", Math.max(0, page));
        query.put("size", PAGE_SIZE);
        model.addAttribute("invoices", platform.get(session.key(), "/api/v1/billing/invoices", query));
        model.addAttribute(
                "creditNotes", platform.get(session.key(), "/api/v1/billing/credit-notes", Map.of("size", PAGE_SIZE)));
        model.addAttribute("status", status);
        model.addAttribute("tenantId", tenantId);
        model.addAttribute("runId", runId);
        model.addAttribute("page", Math.max(0, page));
        model.addAttribute("pageSize", PAGE_SIZE);
        return "invoices";
    }

    @GetMapping("/console/invoices/{id}")
    String invoice(@PathVariable UUID id, Model model) {
        model.addAttribute("invoice", platform.get(session.key(), "/api/v1/billing/invoices/" + id, Map.of()));
        model.addAttribute(
                "creditNotes",
                platform.get(session.key(), "/api/v1/billing/invoices/" + id + "/credit-notes", Map.of()));
        return "invoice";
    }

    @GetMapping("/console/invoices/{id}/pdf")
    ResponseEntity<byte[]> pdf(@PathVariable UUID id) {
        return Downloads.of(
                platform.download(session.key(), "/api/v1/billing/invoices/" + id + "/pdf", Map.of()),
                "invoice-" + id + ".pdf");
    }

    @GetMapping("/console/finance/exports/invoice-lines.csv")
    ResponseEntity<byte[]> csv(
            @RequestParam(name = "run_id", required = false) String runId,
            @RequestParam(required = false) String status) {
        Map<String, Object> query = new HashMap<>();
        query.put("run_id", runId);
        query.put("status", status);
        return Downloads.of(
                platform.download(session.key(), "/api/v1/billing/exports/invoice-lines.csv", query),
                "invoice-lines.csv");
    }

    @PostMapping("/console/finance/invoices/{id}/{action:issue|pay}")
    String act(@PathVariable UUID id, @PathVariable String action, RedirectAttributes flash) {
        return perform(id, flash, () -> {
            platform.post(session.key(), "/api/v1/billing/invoices/" + id + "/" + action, Map.of());
            return action.equals("issue") ? "Invoice issued." : "Invoice marked paid.";
        });
    }

    @PostMapping("/console/finance/invoices/{id}/void")
    String voidInvoice(
            @PathVariable UUID id, @RequestParam(defaultValue = "") String reason, RedirectAttributes flash) {
        return perform(id, flash, () -> {
            platform.post(session.key(), "/api/v1/billing/invoices/" + id + "/void", Map.of("reason", reason));
            return "Invoice voided.";
        });
    }

    @PostMapping("/console/finance/invoices/{id}/credit-notes")
    String credit(
            @PathVariable UUID id,
            @RequestParam(defaultValue = "") String amount,
            @RequestParam(defaultValue = "") String reason,
            RedirectAttributes flash) {
        BigDecimal value;
        try {
            value = amount.isBlank() ? null : new BigDecimal(amount.strip());
        } catch (NumberFormatException e) {
            flash.addFlashAttribute("creditError", "Amount must be a number, such as 12.50 (empty credits it all).");
            return "redirect:/console/invoices/" + id;
        }
        Map<String, Object> body = new HashMap<>();
        body.put("amount", value);
        body.put("reason", reason);
        return perform(id, flash, () -> {
            platform.post(session.key(), "/api/v1/billing/invoices/" + id + "/credit-notes", body);
            return "Credit note created.";
        });
    }

    private static String perform(UUID id, RedirectAttributes flash, java.util.function.Supplier<String> action) {
        try {
            flash.addFlashAttribute("notice", action.get());
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            flash.addFlashAttribute(
                    "failure",
                    e.title() + (e.detail() == null ? "" : ": " + e.detail()) + " (request " + e.requestId() + ")");
        }
        return "redirect:/console/invoices/" + id;
    }
}
