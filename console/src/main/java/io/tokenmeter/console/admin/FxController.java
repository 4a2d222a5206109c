package io.tokenmeter.console.admin;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

/** FX for admins: the rates published in the last two weeks, and the ECB reference rates file uploaded as it is. */
@Controller
class FxController {

    private final Platform platform;
    private final ConsoleSession session;

    FxController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/admin/fx")
    String rates(Model model) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        JsonNode rates =
                platform.get(session.key(), "/api/v1/fx/rates", Map.of("from", today.minusDays(14), "to", today));
        model.addAttribute("rates", rates);
        return "fx";
    }

    @PostMapping("/console/admin/fx/ecb")
    String upload(@RequestParam("file") MultipartFile file, RedirectAttributes flash) throws IOException {
        if (file.isEmpty()) {
            flash.addFlashAttribute("uploadError", "Choose the ECB CSV file (eurofxref.csv or eurofxref-hist.csv).");
            return "redirect:/console/admin/fx";
        }
        try {
            JsonNode result = platform.postText(
                    session.key(),
                    "/api/v1/fx/ecb",
                    MediaType.valueOf("text/csv"),
                    new String(file.getBytes(), StandardCharsets.UTF_8));
            flash.addFlashAttribute(
                    "notice",
                    "Imported " + result.path("imported").asInt() + " rates ("
                            + result.path("already_present").asInt()
                            + " already there), " + result.path("first").asString() + " to "
                            + result.path("last").asString() + ".");
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            flash.addFlashAttribute(
                    "uploadError",
                    (e.fields().isEmpty() ? e.title() : e.fields().getFirst().detail()) + " (request " + e.requestId()
                            + ")");
        }
        return "redirect:/console/admin/fx";
    }
}
