package io.tokenmeter.starter.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong with a request, an item of the problem's {@code errors} member: where it is (a JSON pointer into
 * the body, RFC 6901, or the name of a query or path parameter), which rule it breaks (a stable kebab-case code:
 * {@code required}, {@code format}, {@code range}, ...) and in plain words why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InvalidField(String pointer, String parameter, String rule, String detail) {

    /** A field of the JSON body, by JSON pointer ({@code /lines/0/model}; {@code ""} is the whole body). */
    public static InvalidField body(String pointer, String rule, String detail) {
        return new InvalidField(pointer, null, rule, detail);
    }

    /** A query or path parameter, by name. */
    public static InvalidField parameter(String name, String rule, String detail) {
        return new InvalidField(null, name, rule, detail);
    }

    /** A JSON pointer from a property path such as {@code lines[0].tokenClass}: {@code /lines/0/token_class}. */
    public static String pointerOf(String propertyPath) {
        if (propertyPath == null || propertyPath.isEmpty()) {
            return "";
        }
        StringBuilder pointer = new StringBuilder();
        for (String segment : propertyPath.replace("[", ".").replace("]", "").split("\\.")) {
            if (!segment.isEmpty()) {
                pointer.append('/').append(snakeCase(segment).replace("~", "~0").replace("/", "~1"));
            }
        }
        return pointer.toString();
    }

    /** Java's camelCase as the wire's snake_case, as every JSON name here is spelled. */
    static String snakeCase(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
