/** Authentication at the front door: API key to caller, for the model API and for the REST APIs. */
package io.tokenmeter.gateway.auth;
