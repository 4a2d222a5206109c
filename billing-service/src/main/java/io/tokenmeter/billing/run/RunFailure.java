package io.tokenmeter.billing.run;

/** Why one tenant of a run could not be invoiced; the run goes on with the others and the tenant can be retried. */
final class RunFailure extends RuntimeException {

    RunFailure(String message) {
        super(message, null, false, false);
    }
}
