/** Forwards the REST APIs under /api/v1 to the service that owns them, with the caller signed in a header. */
package io.tokenmeter.gateway.proxy;
