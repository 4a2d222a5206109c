/** The service's JSON mapper, configured once with the wire settings of contracts. */
package io.tokenmeter.starter.json;
