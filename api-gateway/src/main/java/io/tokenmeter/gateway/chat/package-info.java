/**
 * The model APIs: OpenAI's chat completions and Anthropic's Messages, forwarded to the model's upstream and
 * metered the same way ({@code ModelCalls}); what differs between the two lies behind {@code ModelApi}.
 */
package io.tokenmeter.gateway.chat;
