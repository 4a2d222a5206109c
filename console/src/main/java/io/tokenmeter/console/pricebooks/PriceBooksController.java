package io.tokenmeter.console.pricebooks;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.Map;

/**
 * Price books for admins: the books, a book's versions with what each changed, and a new version drafted in a form
 * (rates flat or in graduated or volume tiers, the off-peak window) and published with its effective date. The
 * draft lives in the form until it is published: errors, the console's and the pricing service's, come back beside
 * the field they name, the draft kept as typed.
 */
@Controller
class PriceBooksController {

    private final Platform platform;
    private final ConsoleSession session;
    private final JsonMapper json;

    PriceBooksController(Platform platform, ConsoleSession session, JsonMapper json) {
        this.platform = platform;
        this.session = session;
        this.json = json;
    }

    @GetMapping("/console/admin/price-books")
    String books(Model model) {
        model.addAttribute("books", platform.get(session.key(), "/api/v1/pricing/books", Map.of()));
        return "price-books";
    }

    @GetMapping("/console/admin/price-books/{bookId}")
    String book(@PathVariable String bookId, Model model) {
        model.addAttribute("book", platform.get(session.key(), "/api/v1/pricing/books/" + bookId, Map.of()));
        JsonNode versions = platform.get(session.key(), "/api/v1/pricing/books/" + bookId + "/versions", Map.of());
        model.addAttribute("versions", versions);
        model.addAttribute("changes", VersionChanges.of(versions));
        return "price-book";
    }

    @GetMapping("/console/admin/price-books/{bookId}/versions/new")
    String draft(@PathVariable String bookId, Model model) {
        JsonNode versions = platform.get(session.key(), "/api/v1/pricing/books/" + bookId + "/versions", Map.of());
        JsonNode latest = versions.isEmpty() ? null : versions.get(versions.size() - 1);
        VersionForm form = VersionForm.from(latest);
        if (form.getRates().isEmpty()) {
            form.getRates().add(new VersionForm.Rate());
        }
        return page(bookId, form, Map.of(), model);
    }

    @PostMapping("/console/admin/price-books/{bookId}/versions/new")
    String submit(
            @PathVariable String bookId,
            @ModelAttribute("form") VersionForm form,
            @RequestParam(defaultValue = "publish") String action,
            Model model,
            RedirectAttributes flash) {
        if (action.equals("add-rate")) {
            form.getRates().add(new VersionForm.Rate());
            return page(bookId, form, Map.of(), model);
        }
        if (action.startsWith("add-tier-")) {
            int row = Integer.parseInt(action.substring("add-tier-".length()));
            VersionForm.Rate rate = form.getRates().get(row);
            if (rate.getMode().equals("flat")) { // the flat rate becomes the first tier, from token 0
                rate.setMode("graduated");
                VersionForm.Tier first = new VersionForm.Tier();
                first.setFromTokens("0");
                first.setRate(rate.getRate());
                rate.getTiers().add(first);
            }
            rate.getTiers().add(new VersionForm.Tier());
            return page(bookId, form, Map.of(), model);
        }
        if (action.startsWith("remove-rate-")) {
            form.getRates().remove(Integer.parseInt(action.substring("remove-rate-".length())));
            return page(bookId, form, Map.of(), model);
        }
        JsonNode calendar = form.getOffPeakCalendar().isBlank() ? null : json.readTree(form.getOffPeakCalendar());
        VersionForm.Request request = form.toRequest(calendar);
        if (!request.errors().isEmpty()) {
            return page(bookId, form, request.errors(), model);
        }
        try {
            JsonNode created =
                    platform.post(session.key(), "/api/v1/pricing/books/" + bookId + "/versions", request.body());
            flash.addFlashAttribute(
                    "notice",
                    "Version " + created.path("version").asInt() + " published, in effect from "
                            + created.path("effective_from").asString() + ".");
            return "redirect:/console/admin/price-books/" + bookId;
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            model.addAttribute("failure", e.plain());
            model.addAttribute("platformRequestId", e.requestId());
            return page(bookId, form, e.byField(), model);
        }
    }

    private String page(String bookId, VersionForm form, Map<String, String> errors, Model model) {
        model.addAttribute("bookId", bookId);
        model.addAttribute("form", form);
        model.addAttribute("errors", errors);
        return "version-form";
    }
}
