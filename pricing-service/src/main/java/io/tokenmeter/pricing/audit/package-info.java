/** The audit log of every admin change to prices, FX rates and contracts: who, when, before and after. */
package io.tokenmeter.pricing.audit;
