/**
 * The periods billing has invoiced, as billing reports them while issuing: where a back-dated price may not reach,
 * and which drafts were priced before their period's prices changed.
 */
package io.tokenmeter.pricing.invoiced;
