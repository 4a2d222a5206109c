package io.tokenmeter.console.admin;

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

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tenants for admins: the list, a new tenant (errors beside their fields), suspend and activate, allowed regions;
 * and a tenant's keys: issue (the key shown once, on the next page only), list, revoke. Staff keys likewise.
 */
@Controller
class TenantsController {

    private final Platform platform;
    private final ConsoleSession session;

    TenantsController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/admin/tenants")
    String tenants(Model model) {
        model.addAttribute("tenants", platform.get(session.key(), "/api/v1/admin/tenants", Map.of()));
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", Map.of("currency", "USD"));
        }
        return "tenants";
    }

    @PostMapping("/console/admin/tenants")
    String create(
            @RequestParam(defaultValue = "") String name,
            @RequestParam(name = "billing_country", defaultValue = "") String country,
            @RequestParam(defaultValue = "") String currency,
            @RequestParam(name = "allowed_regions", defaultValue = "") String regions,
            RedirectAttributes flash) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name.strip());
        body.put("billing_country", country.strip().toUpperCase(java.util.Locale.ROOT));
        body.put("currency", currency.strip().toUpperCase(java.util.Locale.ROOT));
        body.put("allowed_regions", regions.isBlank() ? null : split(regions));
        try {
            JsonNode tenant = platform.post(session.key(), "/api/v1/admin/tenants", body);
            flash.addFlashAttribute("notice", "Tenant " + tenant.path("name").asString() + " created.");
            return "redirect:/console/admin/tenants/" + tenant.path("id").asString();
        } catch (PlatformException e) {
            if (e.fields().isEmpty()) {
                throw e;
            }
            flash.addFlashAttribute("errors", e.byField());
            flash.addFlashAttribute("form", body);
            return "redirect:/console/admin/tenants";
        }
    }

    @GetMapping("/console/admin/tenants/{tenantId}")
    String tenant(@PathVariable String tenantId, Model model) {
        JsonNode all = platform.get(session.key(), "/api/v1/admin/tenants", Map.of());
        JsonNode tenant = null;
        for (JsonNode t : all) {
            if (t.path("id").asString().equals(tenantId)) {
                tenant = t;
            }
        }
        if (tenant == null) {
            throw new PlatformException(404, "Not Found", "no tenant " + tenantId, List.of(), null);
        }
        model.addAttribute("tenant", tenant);
        List<String> regions = new java.util.ArrayList<>();
        tenant.path("allowed_regions").forEach(r -> regions.add(r.asString()));
        model.addAttribute("regions", String.join(",", regions));
        model.addAttribute(
                "keys", platform.get(session.key(), "/api/v1/admin/tenants/" + tenantId + "/api-keys", Map.of()));
        return "tenant";
    }

    @PostMapping("/console/admin/tenants/{tenantId}/{action:suspend|activate}")
    String status(@PathVariable String tenantId, @PathVariable String action, RedirectAttributes flash) {
        platform.post(session.key(), "/api/v1/admin/tenants/" + tenantId + "/" + action, Map.of());
        flash.addFlashAttribute("notice", action.equals("suspend") ? "Tenant suspended." : "Tenant activated.");
        return "redirect:/console/admin/tenants/" + tenantId;
    }

    @PostMapping("/console/admin/tenants/{tenantId}/billing-identity")
    String billingIdentity(
            @PathVariable String tenantId,
            @RequestParam(name = "legal_name", defaultValue = "") String legalName,
            @RequestParam(name = "billing_country", defaultValue = "") String country,
            @RequestParam(name = "tax_id", defaultValue = "") String taxId,
            @RequestParam(defaultValue = "") String currency,
            RedirectAttributes flash) {
        Map<String, Object> body = new HashMap<>();
        body.put("legal_name", legalName.strip());
        body.put("billing_country", country.strip().toUpperCase(java.util.Locale.ROOT));
        body.put("tax_id", taxId.isBlank() ? null : taxId.strip());
        body.put("currency", currency.strip().toUpperCase(java.util.Locale.ROOT));
        try {
            platform.put(session.key(), "/api/v1/admin/tenants/" + tenantId + "/billing-identity", body);
            flash.addFlashAttribute("notice", "Billing identity saved: invoices drafted from now on use it.");
        } catch (PlatformException e) {
            if (e.fields().isEmpty()) {
                throw e;
            }
            flash.addFlashAttribute("errors", e.byField());
        }
        return "redirect:/console/admin/tenants/" + tenantId;
    }

    @PostMapping("/console/admin/tenants/{tenantId}/regions")
    String regions(
            @PathVariable String tenantId,
            @RequestParam(name = "allowed_regions", defaultValue = "") String regions,
            RedirectAttributes flash) {
        Map<String, Object> body = new HashMap<>();
        body.put("allowed_regions", regions.isBlank() ? null : split(regions));
        platform.put(session.key(), "/api/v1/admin/tenants/" + tenantId + "/regions", body);
        flash.addFlashAttribute("notice", "Allowed regions saved.");
        return "redirect:/console/admin/tenants/" + tenantId;
    }

    @PostMapping("/console/admin/tenants/{tenantId}/keys")
    String issue(
            @PathVariable String tenantId, @RequestParam(defaultValue = "") String name, RedirectAttributes flash) {
        JsonNode issued = platform.post(
                session.key(), "/api/v1/admin/tenants/" + tenantId + "/api-keys", Map.of("name", name.strip()));
        flash.addFlashAttribute("issuedKey", issued.path("key").asString());
        return "redirect:/console/admin/tenants/" + tenantId;
    }

    @PostMapping("/console/admin/tenants/{tenantId}/keys/{keyId}/revoke")
    String revoke(@PathVariable String tenantId, @PathVariable String keyId, RedirectAttributes flash) {
        platform.delete(session.key(), "/api/v1/admin/tenants/" + tenantId + "/api-keys/" + keyId);
        flash.addFlashAttribute("notice", "Key revoked.");
        return "redirect:/console/admin/tenants/" + tenantId;
    }

    @GetMapping("/console/admin/staff-keys")
    String staffKeys(Model model) {
        model.addAttribute("keys", platform.get(session.key(), "/api/v1/admin/api-keys", Map.of()));
        return "staff-keys";
    }

    @PostMapping("/console/admin/staff-keys")
    String issueStaff(
            @RequestParam(defaultValue = "") String name,
            @RequestParam(defaultValue = "FINANCE") String role,
            RedirectAttributes flash) {
        JsonNode issued =
                platform.post(session.key(), "/api/v1/admin/api-keys", Map.of("name", name.strip(), "role", role));
        flash.addFlashAttribute("issuedKey", issued.path("key").asString());
        return "redirect:/console/admin/staff-keys";
    }

    @PostMapping("/console/admin/staff-keys/{keyId}/revoke")
    String revokeStaff(@PathVariable String keyId, RedirectAttributes flash) {
        platform.delete(session.key(), "/api/v1/admin/api-keys/" + keyId);
        flash.addFlashAttribute("notice", "Key revoked.");
        return "redirect:/console/admin/staff-keys";
    }

    @GetMapping("/console/admin/audit")
    String audit(Model model) {
        model.addAttribute("entries", platform.get(session.key(), "/api/v1/admin/audit", Map.of()));
        return "audit";
    }

    private static List<String> split(String values) {
        return Arrays.stream(values.split("[,\\s]+")).filter(v -> !v.isBlank()).toList();
    }
}
