/** Servlet glue shared by every service: request ids, RFC 9457 problem details, the gateway-signed caller. */
package io.tokenmeter.starter.web;
