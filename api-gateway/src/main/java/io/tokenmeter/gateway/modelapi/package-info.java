/**
 * The model APIs' error shapes (OpenAI's and Anthropic's JSON), below both the authentication filter and the model
 * calls, which write them.
 */
package io.tokenmeter.gateway.modelapi;
