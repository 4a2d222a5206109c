/** API keys: issued once in clear, stored as SHA-256, looked up through a short-lived cache. */
package io.tokenmeter.gateway.keys;
