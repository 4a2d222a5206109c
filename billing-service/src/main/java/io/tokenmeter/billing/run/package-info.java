/** Invoice runs: a closed period billed once for every tenant with usage, as of an ingest cut-off, tenant by tenant. */
package io.tokenmeter.billing.run;
