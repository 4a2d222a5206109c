/**
 * The durable local spool that keeps usage events while Kafka cannot take them, and the drainer that
 * replays them when it can: no call is served without its usage being kept somewhere that survives a crash.
 */
package io.tokenmeter.gateway.spool;
