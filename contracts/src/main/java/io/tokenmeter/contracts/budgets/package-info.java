/** Budgets on the wire: a threshold of a spend cap crossed (an event), and the leases the gateway holds on them. */
package io.tokenmeter.contracts.budgets;
