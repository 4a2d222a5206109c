package io.tokenmeter.starter.web;

import org.springframework.http.HttpStatus;

/**
 * An error a service can answer with. Each service lists its own in an enum; the code becomes the problem's
 * stable {@code type} URI, so clients can branch on it without parsing the text.
 */
public interface ApiError {

    /** What an error is: its HTTP status, its stable kebab-case code ({@code unknown-currency}) and its title. */
    record Kind(HttpStatus status, String code, String title) {}

    Kind kind();

    default HttpStatus status() {
        return kind().status();
    }

    /** Kebab-case, stable once published: {@code unknown-currency}. */
    default String code() {
        return kind().code();
    }

    /** The short, human title of the problem type. */
    default String title() {
        return kind().title();
    }
}
