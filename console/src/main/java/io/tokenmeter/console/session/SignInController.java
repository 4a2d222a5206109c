package io.tokenmeter.console.session;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * Sign-in with an API key: the gateway says whose key it is ({@code GET /api/v1/me}); the key then lives in the
 * server-side session (a new session id, so a session planted before sign-in is worth nothing), and the browser
 * holds only the session cookie.
 */
@Controller
class SignInController {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SignInController.class);

    private final Platform platform;
    private final SecurityContextRepository contexts;

    SignInController(Platform platform, SecurityContextRepository contexts) {
        this.platform = platform;
        this.contexts = contexts;
    }

    @GetMapping({"/console", "/console/"})
    String root(HttpServletRequest request) {
        Object principal = SecurityContextHolder.getContext().getAuthentication() == null
                ? null
                : SecurityContextHolder.getContext().getAuthentication().getPrincipal();
        return "redirect:" + (principal instanceof SignedInUser user ? user.home() : "/console/sign-in");
    }

    @GetMapping("/console/sign-in")
    String form() {
        return "sign-in";
    }

    @PostMapping("/console/sign-in")
    String signIn(
            @RequestParam(name = "api_key", defaultValue = "") String apiKey,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        String key = apiKey.strip();
        if (key.isEmpty()) {
            model.addAttribute("error", "Enter your API key.");
            return "sign-in";
        }
        JsonNode me;
        try {
            me = platform.get(key, "/api/v1/me", Map.of());
        } catch (PlatformException e) {
            log.info("sign-in refused: the gateway answered {} (request {})", e.status(), e.requestId());
            response.setStatus(e.status() == 401 ? 401 : 502);
            model.addAttribute(
                    "error",
                    e.status() == 401
                            ? "That key was not accepted: it is unknown, revoked, or its tenant is suspended."
                            : "The platform could not check the key (" + e.title() + ").");
            model.addAttribute("requestId", e.requestId());
            return "sign-in";
        }
        SignedInUser user = new SignedInUser(
                me.path("key_id").asString(),
                me.path("role").asString(),
                me.path("tenant_id").isNull() ? null : me.path("tenant_id").asString(null),
                me.path("currency").isNull() ? null : me.path("currency").asString(null));
        request.getSession(true);
        request.changeSessionId(); // session fixation: whatever id the browser had before is dead now
        request.getSession().setAttribute(ConsoleSession.KEY, key);
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                user, null, List.of(new SimpleGrantedAuthority("ROLE_" + user.role()))));
        SecurityContextHolder.setContext(context);
        contexts.saveContext(context, request, response);
        log.info("signed in: key {} ({})", user.keyId(), user.role()); // the key's id, never the key
        return "redirect:" + user.home();
    }

    /** Where Spring Security forwards a refusal, whatever the refused request's method (a POST without CSRF too). */
    @org.springframework.web.bind.annotation.RequestMapping("/console/forbidden")
    String forbidden(HttpServletResponse response) {
        response.setStatus(403);
        return "forbidden";
    }
}
