/** Secrets at rest (webhook signing secrets, upstream credentials): sealed under a key from configuration. */
package io.tokenmeter.starter.secrets;
