package io.tokenmeter.console.budgets;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import io.tokenmeter.console.session.SignedInUser;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * Budgets against spend: a tenant sees its budgets with the thresholds crossed and its alerts, and sets its alert
 * webhook; finance sees any tenant's and gives a tenant a monthly budget. Billing owns them; the gateway enforces.
 */
@Controller
class BudgetsController {

    private final Platform platform;
    private final ConsoleSession session;

    BudgetsController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/budgets")
    String budgets(@RequestParam(name = "tenant_id", required = false) String tenantId, Model model) {
        SignedInUser user = session.user();
        String tenant = user.tenantParameter(tenantId);
        model.addAttribute("tenantId", tenant);
        if (user.tenantShown(tenantId) == null) {
            return "budgets";
        }
        Map<String, Object> query = new HashMap<>();
        query.put("tenant_id", tenant);
        model.addAttribute("budgets", platform.get(session.key(), "/api/v1/budgets", query));
        model.addAttribute("alerts", platform.get(session.key(), "/api/v1/budgets/alerts", query));
        return "budgets";
    }

    @PostMapping("/console/finance/budgets")
    String create(
            @RequestParam(name = "tenant_id") String tenantId,
            @RequestParam(defaultValue = "") String amount,
            RedirectAttributes flash) {
        try {
            BigDecimal value = new BigDecimal(amount.strip());
            platform.post(
                    session.key(),
                    "/api/v1/budgets",
                    Map.of("tenant_id", tenantId, "kind", "monthly", "amount", value));
            flash.addFlashAttribute("notice", "Monthly budget set.");
        } catch (NumberFormatException e) {
            flash.addFlashAttribute("budgetError", "Amount must be a number in the tenant's currency, such as 250.");
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            flash.addFlashAttribute("budgetError", e.plain());
        }
        return "redirect:/console/budgets?tenant_id="
                + java.net.URLEncoder.encode(tenantId, java.nio.charset.StandardCharsets.UTF_8);
    }

    @PostMapping("/console/budgets/webhook")
    String webhook(@RequestParam(defaultValue = "") String url, RedirectAttributes flash) {
        try {
            tools.jackson.databind.JsonNode saved =
                    platform.put(session.key(), "/api/v1/budgets/webhook", Map.of("url", url.strip()));
            // the signing secret is shown this once, as the API shows it once
            flash.addFlashAttribute("webhookSecret", saved.path("secret").asString(null));
            flash.addFlashAttribute(
                    "notice", "Alert webhook saved. Copy its signing secret now: it is not shown again.");
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            flash.addFlashAttribute("webhookError", e.plain());
        }
        return "redirect:/console/budgets";
    }
}
