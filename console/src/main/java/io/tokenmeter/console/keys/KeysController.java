package io.tokenmeter.console.keys;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * A tenant's own keys (by prefix, never the key) with each key's monthly cap, and a cap set on a key: a tenant may
 * hold a key below its budget itself. Issuing and revoking keys stays with admins.
 */
@Controller
class KeysController {

    private final Platform platform;
    private final ConsoleSession session;

    KeysController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/keys")
    String keys(Model model) {
        if (!session.user().tenant()) {
            return "redirect:/console/admin/staff-keys"; // staff see keys per tenant and staff keys
        }
        JsonNode keys = platform.get(session.key(), "/api/v1/keys", Map.of());
        Map<String, JsonNode> caps = new HashMap<>();
        for (JsonNode budget : platform.get(session.key(), "/api/v1/budgets", Map.of())) {
            String key = budget.path("api_key_id").asString("");
            if (!key.isEmpty()) {
                caps.put(key, budget);
            }
        }
        model.addAttribute("keys", keys);
        model.addAttribute("caps", caps);
        return "keys";
    }

    @PostMapping("/console/keys/caps")
    String cap(
            @RequestParam(name = "api_key_id") String keyId,
            @RequestParam(defaultValue = "") String amount,
            RedirectAttributes flash) {
        try {
            Map<String, Object> body = new HashMap<>();
            body.put("tenant_id", session.user().tenantId());
            body.put("api_key_id", keyId);
            body.put("kind", "monthly");
            body.put("amount", new BigDecimal(amount.strip()));
            platform.post(session.key(), "/api/v1/budgets", body);
            flash.addFlashAttribute("notice", "Monthly cap set on the key.");
        } catch (NumberFormatException e) {
            flash.addFlashAttribute("capError", "Amount must be a number in your currency, such as 50.");
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            flash.addFlashAttribute("capError", e.plain());
        }
        return "redirect:/console/keys";
    }
}
