package io.tokenmeter.starter.web;

import io.tokenmeter.contracts.usage.EventIds;

import java.util.regex.Pattern;

/** The request id every response carries and every log line of that request names. */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "request_id";

    private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._:-]{8,128}");

    private RequestIds() {}

    /** Keeps a caller's id when it is a plausible one (so a trace spans systems), else makes one. */
    public static String acceptOrCreate(String incoming) {
        return incoming != null && ACCEPTABLE.matcher(incoming).matches() ? incoming : "req_" + EventIds.newEventId();
    }
}
