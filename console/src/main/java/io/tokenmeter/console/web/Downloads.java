package io.tokenmeter.console.web;

import io.tokenmeter.console.platform.Platform;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;

/** A platform file (PDF, CSV) passed to the browser with the platform's own type and file name. */
public final class Downloads {

    private Downloads() {}

    public static ResponseEntity<byte[]> of(Platform.Download download, String fallbackName) {
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_TYPE, download.contentType())
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        download.disposition() != null
                                ? download.disposition()
                                : "attachment; filename=\"" + fallbackName + "\"")
                .body(download.body());
    }
}
