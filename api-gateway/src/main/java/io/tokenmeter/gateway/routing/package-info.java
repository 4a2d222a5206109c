/** Which upstream provider, in which serving region, serves a model. */
package io.tokenmeter.gateway.routing;
