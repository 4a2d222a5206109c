package io.tokenmeter.console.platform;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The platform refused a call: its HTTP status, the problem's title and detail, the fields it named (JSON pointer or
 * parameter, and why) and the request id, so a person can quote it.
 */
public class PlatformException extends RuntimeException {

    /** One field the platform named: where ({@code /lines/0/rates} or a parameter), the rule and why. */
    public record FieldProblem(String field, String rule, String detail) {}

    private final int status;
    private final String title;
    private final String detail;
    private final List<FieldProblem> fields;
    private final String requestId;

    public PlatformException(int status, String title, String detail, List<FieldProblem> fields, String requestId) {
        super(status + " " + title + (detail == null ? "" : ": " + detail));
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.fields = List.copyOf(fields);
        this.requestId = requestId;
    }

    /**
     * A refusal the user can put right on the same page (bad input, a conflict): shown beside the form. Anything else
     * (not signed in, not allowed, the platform failing) goes to the error page.
     */
    public boolean correctable() {
        return status >= 400 && status < 500 && status != 401 && status != 403;
    }

    /** The problem's detail, else its title: what to show a person. */
    public String plain() {
        return detail == null ? title : detail;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    public List<FieldProblem> fields() {
        return fields;
    }

    public String requestId() {
        return requestId;
    }

    /** The problems by field, the first one kept where a field has several: for showing each beside its input. */
    public Map<String, String> byField() {
        return fields.stream()
                .collect(Collectors.toMap(
                        FieldProblem::field, FieldProblem::detail, (a, b) -> a, java.util.LinkedHashMap::new));
    }
}
