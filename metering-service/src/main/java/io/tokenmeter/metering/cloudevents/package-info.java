/**
 * Usage ingest over HTTP for a provider's own gateways, in CloudEvents JSON (structured mode, single or
 * batch), validated and deduplicated exactly like events from Kafka.
 */
package io.tokenmeter.metering.cloudevents;
