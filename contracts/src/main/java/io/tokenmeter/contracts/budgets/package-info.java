/** Events about budgets: a threshold of a tenant's or a key's spend cap crossed. */
package io.tokenmeter.contracts.budgets;
