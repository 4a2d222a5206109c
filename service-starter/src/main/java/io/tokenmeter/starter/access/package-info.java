/** Role checks and tenant scoping, written once for every service. */
package io.tokenmeter.starter.access;
