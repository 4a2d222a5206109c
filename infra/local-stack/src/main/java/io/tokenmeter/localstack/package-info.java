/** Runs the platform on one machine: PostgreSQL, a Kafka broker process, topics, services and demo tenants. */
package io.tokenmeter.localstack;
