package io.tokenmeter.console.session;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The signed-in user's key, held in the server-side session only: the browser has the session cookie
 * ({@code HttpOnly}), never the key. Pages ask for it here to call the platform as that user.
 */
@Component
public class ConsoleSession {

    /** The session attribute holding the user's API key. */
    static final String KEY = ConsoleSession.class.getName() + ".apiKey";

    public String key() {
        HttpSession session = request().getSession(false);
        Object key = session == null ? null : session.getAttribute(KEY);
        if (key == null) {
            throw new AuthenticationCredentialsNotFoundException("not signed in");
        }
        return (String) key;
    }

    public SignedInUser user() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !(auth.getPrincipal() instanceof SignedInUser user)) {
            throw new AuthenticationCredentialsNotFoundException("not signed in");
        }
        return user;
    }

    private static HttpServletRequest request() {
        return ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest();
    }
}
