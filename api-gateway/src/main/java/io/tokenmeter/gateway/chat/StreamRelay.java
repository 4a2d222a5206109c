package io.tokenmeter.gateway.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Relays an upstream's server-sent events to the client as they arrive, event by event, and shows each
 * {@code data:} payload to a {@link StreamWatcher}, which may rewrite or drop it.
 */
final class StreamRelay {

    private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.UTF_8);

    /**
     * How the stream ended, and when ({@link System#nanoTime()}) the first data event went to the client; 0 when none
     * did.
     */
    record Outcome(boolean clientGone, boolean upstreamFailed, long firstDataSentNanos) {}

    private StreamRelay() {}

    static Outcome relay(InputStream upstream, OutputStream client, StreamWatcher watcher) {
        boolean clientGone = false;
        boolean upstreamFailed = false;
        boolean skipBlank = false;
        long firstDataSent = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(upstream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                String forward = line;
                if (line.isEmpty()) {
                    if (skipBlank) {
                        skipBlank = false;
                        continue;
                    }
                } else if (line.startsWith("data:")) {
                    String data = line.substring(5).strip();
                    String replacement = watcher.onData(data);
                    if (replacement == null) {
                        skipBlank = true; // the event's terminating blank line goes with it
                        continue;
                    }
                    if (!replacement.equals(data)) {
                        forward = "data: " + replacement;
                    }
                }
                if (!clientGone) {
                    try {
                        client.write(forward.getBytes(StandardCharsets.UTF_8));
                        client.write(NEWLINE);
                        if (firstDataSent == 0 && forward.startsWith("data:")) {
                            firstDataSent = System.nanoTime();
                        }
                        if (forward.isEmpty()) {
                            client.flush(); // the end of one event: send it now, no buffering
                        }
                    } catch (IOException e) {
                        clientGone = true;
                        break; // closing the upstream stream stops the generation we would pay for
                    }
                }
            }
            if (!clientGone) {
                client.flush();
            }
        } catch (IOException e) {
            upstreamFailed = !clientGone;
        }
        return new Outcome(clientGone, upstreamFailed && !watcher.completed(), firstDataSent);
    }
}
