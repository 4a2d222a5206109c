/** One real Kafka broker and one real PostgreSQL per test JVM, and the contract every service test runs. */
package io.tokenmeter.testsupport;
