/** Live spend: a tenant's usage so far in a period, priced by the rating API as its invoice would be. */
package io.tokenmeter.billing.spend;
