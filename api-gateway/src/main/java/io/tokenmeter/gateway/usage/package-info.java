/** Reading an upstream's token usage into canonical token classes, and emitting the usage event. */
package io.tokenmeter.gateway.usage;
