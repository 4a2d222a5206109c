/** An OpenAI-compatible upstream with deterministic usage, for tests, demos and benchmarks. */
package io.tokenmeter.simulator;
