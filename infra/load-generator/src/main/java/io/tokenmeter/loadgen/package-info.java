/** Benchmarks that print their figures against baselines measured in the same run. */
package io.tokenmeter.loadgen;
