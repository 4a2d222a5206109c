package io.tokenmeter.contracts.web;

import org.springframework.http.HttpStatus;

/**
 * An error a service can answer with. Each service lists its own in an enum; the code becomes the problem's
 * stable {@code type} URI, so clients can branch on it without parsing the text.
 */
public interface ApiError {

    HttpStatus status();

    /** Kebab-case, stable once published: {@code unknown-currency}. */
    String code();

    /** The short, human title of the problem type. */
    String title();
}
