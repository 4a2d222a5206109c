/** One OpenAPI document for the whole public API, merged from the gateway's and the services' own documents. */
package io.tokenmeter.gateway.apidocs;
