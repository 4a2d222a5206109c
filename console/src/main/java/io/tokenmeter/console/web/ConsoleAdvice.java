package io.tokenmeter.console.web;

import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.SignedInUser;
import io.tokenmeter.starter.web.RequestIdFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * What every page has: the signed-in user (for the menu: the server refuses pages by role whatever the menu shows),
 * and a refusal of the platform shown in plain words with its request id instead of a stack trace.
 */
@ControllerAdvice(basePackages = "io.tokenmeter.console")
class ConsoleAdvice {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConsoleAdvice.class);

    @ModelAttribute("user")
    SignedInUser user() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return auth != null && auth.getPrincipal() instanceof SignedInUser user ? user : null;
    }

    @ModelAttribute("requestId")
    String requestId(HttpServletRequest request) {
        return RequestIdFilter.of(request);
    }

    @ExceptionHandler(PlatformException.class)
    String refused(PlatformException e, HttpServletRequest request, HttpServletResponse response, Model model) {
        if (e.status() == 401) { // the key was revoked or its tenant suspended since sign-in: the session is over
            jakarta.servlet.http.HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            SecurityContextHolder.clearContext();
        }
        int status = e.status() >= 500 ? 502 : e.status();
        response.setStatus(status);
        model.addAttribute("user", user());
        model.addAttribute("status", status);
        model.addAttribute("message", plainWords(e));
        model.addAttribute("detail", e.detail());
        model.addAttribute("platformRequestId", e.requestId());
        return "problem";
    }

    /** The gateway did not answer at all (down, or too slow): the page says so instead of failing blank. */
    @ExceptionHandler(org.springframework.web.client.ResourceAccessException.class)
    String unreachable(
            org.springframework.web.client.ResourceAccessException e,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        log.warn("the platform did not answer: {}", e.getMessage());
        response.setStatus(502);
        model.addAttribute("user", user());
        model.addAttribute("status", 502);
        model.addAttribute("message", "The platform did not answer. Try again in a moment.");
        return "problem";
    }

    static String plainWords(PlatformException e) {
        return switch (e.status()) {
            case 401 -> "Your key is no longer accepted (revoked, or its tenant suspended). Sign in again.";
            case 403 -> "The platform refused: this is not yours to see or to do with your role.";
            case 404 -> "There is nothing here, or it is not yours to see.";
            case 409 -> "That cannot be done in its current state.";
            case 429 -> "Too many requests with this key just now; wait a moment and try again.";
            default ->
                e.status() >= 500
                        ? "The platform did not answer as it should (" + e.title() + "). Try again in a moment."
                        : "The platform refused the request: " + e.title() + ".";
        };
    }
}
