/**
 * Request body limits: every body is bounded before it is held in memory, with 413 in the API's own error shape
 * (OpenAI's, Anthropic's or problem details), so that no tenant can exhaust the heap every tenant shares.
 */
package io.tokenmeter.gateway.bodylimit;
