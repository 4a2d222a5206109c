package io.tokenmeter.console.contracts;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tenant's contracts for admins: the ones it has (its own sell book or a discount on the default book, each for a
 * period) and a new one, with errors beside their fields. Pricing decides; a contract that starts in the past needs
 * a reason and may not reach into an invoiced period, as through the API.
 */
@Controller
class ContractsController {

    private final Platform platform;
    private final ConsoleSession session;

    ContractsController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/admin/tenants/{tenantId}/contracts")
    String contracts(@PathVariable String tenantId, Model model) {
        model.addAttribute("tenantId", tenantId);
        model.addAttribute(
                "contracts", platform.get(session.key(), "/api/v1/pricing/contracts", Map.of("tenant_id", tenantId)));
        List<JsonNode> sellBooks = new ArrayList<>();
        platform.get(session.key(), "/api/v1/pricing/books", Map.of()).forEach(b -> {
            if (b.path("purpose").asString().equals("sell")) {
                sellBooks.add(b);
            }
        });
        model.addAttribute("books", sellBooks);
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new ContractForm("discount", "", "", "", "", ""));
        }
        if (!model.containsAttribute("errors")) {
            model.addAttribute("errors", Map.of());
        }
        return "contracts";
    }

    @PostMapping("/console/admin/tenants/{tenantId}/contracts")
    String create(@PathVariable String tenantId, @ModelAttribute ContractForm form, RedirectAttributes flash) {
        ContractForm.Request request = form.toRequest(tenantId);
        if (request.errors().isEmpty()) {
            try {
                JsonNode created = platform.post(session.key(), "/api/v1/pricing/contracts", request.body());
                flash.addFlashAttribute(
                        "notice", "Contract " + created.path("id").asString() + " added.");
                return "redirect:/console/admin/tenants/" + tenantId + "/contracts";
            } catch (PlatformException e) {
                if (!e.correctable()) {
                    throw e;
                }
                flash.addFlashAttribute("errors", e.byField().isEmpty() ? Map.of("/", e.plain()) : e.byField());
            }
        } else {
            flash.addFlashAttribute("errors", request.errors());
        }
        flash.addFlashAttribute("form", form);
        return "redirect:/console/admin/tenants/" + tenantId + "/contracts";
    }
}
