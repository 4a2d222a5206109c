/**
 * What tokens cost the calling tenant, from pricing's rate cards (cached until they change): the maximum a budget
 * reserves, and each call's cost as its answer shows it ({@code CallCosts}).
 */
package io.tokenmeter.gateway.prices;
