package io.tokenmeter.billing;

import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;

import java.util.List;

/** One page of a listing, as every billing listing answers. */
public record Page<T>(List<T> items, int page, int size) {

    public static final int MAX_SIZE = 200;

    /** Refuses a page number or size a listing does not serve. */
    public static void check(int page, int size) {
        if (page < 0 || size < 1 || size > MAX_SIZE) {
            throw ApiException.invalid(InvalidField.parameter(
                    page < 0 ? "page" : "size", "range", "page must be 0 or more and size 1 to " + MAX_SIZE));
        }
    }
}
