/** The OpenAI-compatible model API: chat completions, forwarded upstream and metered. */
package io.tokenmeter.gateway.chat;
