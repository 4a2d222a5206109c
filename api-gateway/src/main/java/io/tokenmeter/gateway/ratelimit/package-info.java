/** Per-key request rate limits: 429 with Retry-After when a key calls faster than allowed. */
package io.tokenmeter.gateway.ratelimit;
