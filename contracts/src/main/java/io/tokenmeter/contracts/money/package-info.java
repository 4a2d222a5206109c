/** Money rules: amounts in a currency, and the one rounding rule of the platform. */
package io.tokenmeter.contracts.money;
