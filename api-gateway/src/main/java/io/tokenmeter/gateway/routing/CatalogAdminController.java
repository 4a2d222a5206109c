package io.tokenmeter.gateway.routing;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.gateway.routing.CatalogEntries.CredentialEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.ModelEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.RouteEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.UpstreamEntry;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;
import java.util.function.Supplier;

/**
 * The admin API of the live model catalog: models and their routes, upstreams, and upstream credentials (write-only:
 * a secret is never shown again). Each change is validated, audited, and in force on this instance when the answer
 * returns and on every other instance within {@code refresh-every}. A route in a region no sell price covers is
 * accepted with a warning.
 */
@RestController
@RequestMapping("/api/v1/admin/catalog")
class CatalogAdminController {

    record CatalogView(
            long revision,
            List<ModelEntry> models,
            List<UpstreamEntry> upstreams,
            List<CredentialEntry> credentials,
            List<String> warnings) {}

    /** @param routes in priority order */
    record ModelRequest(Long maxOutputTokens, List<RouteEntry> routes) {}

    record ModelChange(ModelEntry model, long revision, List<String> warnings) {}

    /** Timeouts default to 10 s to connect and 600 s for a whole answer. */
    record UpstreamRequest(
            String baseUrl, String anthropicBaseUrl, String credential, Long connectTimeoutMs, Long timeoutMs) {}

    record CredentialRequest(String secret) {
        @Override
        public String toString() {
            return "CredentialRequest[secret=...]";
        }
    }

    private final CatalogStore store;
    private final ModelRouter router;
    private final AdminAudit audit;
    private final PriceCoverage prices;
    private final TransactionTemplate transaction;

    CatalogAdminController(
            CatalogStore store,
            ModelRouter router,
            AdminAudit audit,
            PriceCoverage prices,
            PlatformTransactionManager transactions) {
        this.store = store;
        this.router = router;
        this.audit = audit;
        this.prices = prices;
        this.transaction = new TransactionTemplate(transactions);
    }

    @GetMapping
    @Operation(summary = "The model catalog: models, routes, upstreams, credential names, and price warnings (admin)")
    CatalogView catalog(Caller caller) {
        Caller admin = Access.admin(caller);
        List<ModelEntry> models = store.models();
        List<String> warnings = new java.util.ArrayList<>(prices.warnings(admin, models));
        for (String credential : store.unopenable()) {
            warnings.add("credential " + credential + " does not open with the configured key (sealed under another"
                    + " one): the upstreams using it are out of service until it is stored again");
        }
        return new CatalogView(store.revision(), models, store.upstreams(), store.credentials(), warnings);
    }

    @PutMapping("/models/{name}")
    @Operation(summary = "Add or replace a model and its routes, in force on every instance within seconds (admin)")
    ModelChange putModel(@PathVariable String name, @RequestBody ModelRequest body, Caller caller) {
        Caller admin = Access.admin(caller);
        ModelEntry saved = change(() -> {
            invalidIfAny(CatalogValidator.model(
                    name,
                    body.maxOutputTokens(),
                    body.routes(),
                    u -> store.upstream(u).isPresent()));
            ModelEntry before = store.model(name).orElse(null);
            store.putModel(
                    new ModelEntry(name, body.maxOutputTokens(), body.routes(), null, null), CatalogEntries.ADMIN);
            ModelEntry after = store.model(name).orElseThrow();
            audit.record(admin, before == null ? "create" : "update", "catalog_model", name, before, after);
            return after;
        });
        return new ModelChange(saved, router.revision(), prices.warnings(admin, List.of(saved)));
    }

    @DeleteMapping("/models/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Remove a model: its calls get model_not_found from then on (admin)")
    void deleteModel(@PathVariable String name, Caller caller) {
        Caller admin = Access.admin(caller);
        change(() -> {
            ModelEntry before = store.model(name).orElseThrow(() -> notFound("model", name));
            store.deleteModel(name);
            audit.record(admin, "delete", "catalog_model", name, before, null);
            return before;
        });
    }

    @PutMapping("/upstreams/{name}")
    @Operation(
            summary = "Add or replace an upstream: its base URL, Anthropic URL, credential by name, timeouts (admin)")
    UpstreamEntry putUpstream(@PathVariable String name, @RequestBody UpstreamRequest body, Caller caller) {
        Caller admin = Access.admin(caller);
        return change(() -> {
            invalidIfAny(CatalogValidator.upstream(
                    name,
                    body.baseUrl(),
                    body.anthropicBaseUrl(),
                    body.credential(),
                    body.connectTimeoutMs(),
                    body.timeoutMs(),
                    c -> store.credential(c).isPresent()));
            UpstreamEntry before = store.upstream(name).orElse(null);
            store.putUpstream(
                    new UpstreamEntry(
                            name,
                            URI.create(body.baseUrl()),
                            body.anthropicBaseUrl() == null ? null : URI.create(body.anthropicBaseUrl()),
                            body.credential(),
                            body.connectTimeoutMs() == null ? 10_000 : body.connectTimeoutMs(),
                            body.timeoutMs() == null ? 600_000 : body.timeoutMs(),
                            null,
                            null),
                    CatalogEntries.ADMIN);
            UpstreamEntry after = store.upstream(name).orElseThrow();
            audit.record(admin, before == null ? "create" : "update", "upstream", name, before, after);
            return after;
        });
    }

    @DeleteMapping("/upstreams/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Remove an upstream no model routes through (admin)")
    void deleteUpstream(@PathVariable String name, Caller caller) {
        Caller admin = Access.admin(caller);
        change(() -> {
            UpstreamEntry before = store.upstream(name).orElseThrow(() -> notFound("upstream", name));
            List<String> users = store.modelsUsing(name);
            if (!users.isEmpty()) {
                throw new ApiException(
                        CommonErrors.CONFLICT, "upstream " + name + " is still routed to by models " + users);
            }
            store.deleteUpstream(name);
            audit.record(admin, "delete", "upstream", name, before, null);
            return before;
        });
    }

    @PutMapping("/credentials/{name}")
    @Operation(summary = "Store or rotate an upstream credential, sealed at rest and never shown again (admin)")
    CredentialEntry putCredential(@PathVariable String name, @RequestBody CredentialRequest body, Caller caller) {
        Caller admin = Access.admin(caller);
        if (!store.canSeal()) {
            throw new ApiException(
                    CommonErrors.CONFLICT,
                    "upstream credentials cannot be stored: the gateway has no TOKENMETER_UPSTREAM_CREDENTIALS_KEY");
        }
        return change(() -> {
            invalidIfAny(CatalogValidator.credential(name, body == null ? null : body.secret()));
            CredentialEntry before = store.credential(name).orElse(null);
            store.putCredential(name, body.secret(), CatalogEntries.ADMIN);
            CredentialEntry after = store.credential(name).orElseThrow();
            // the audit shows who set or rotated it and when, never the secret
            audit.record(admin, before == null ? "create" : "rotate", "upstream_credential", name, before, after);
            return after;
        });
    }

    @DeleteMapping("/credentials/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Remove a credential no upstream uses (admin)")
    void deleteCredential(@PathVariable String name, Caller caller) {
        Caller admin = Access.admin(caller);
        change(() -> {
            CredentialEntry before = store.credential(name).orElseThrow(() -> notFound("credential", name));
            List<String> users = store.upstreamsUsing(name);
            if (!users.isEmpty()) {
                throw new ApiException(
                        CommonErrors.CONFLICT, "credential " + name + " is still used by upstreams " + users);
            }
            store.deleteCredential(name);
            audit.record(admin, "delete", "upstream_credential", name, before, null);
            return before;
        });
    }

    /** One change: validated, written, audited and the revision raised in one transaction, then routed by here. */
    private <T> T change(Supplier<T> write) {
        T result = transaction.execute(status -> {
            T written = write.get();
            store.raiseRevision();
            return written;
        });
        router.refresh();
        return result;
    }

    private static void invalidIfAny(List<InvalidField> errors) {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(CommonErrors.INVALID_REQUEST, errors);
        }
    }

    private static ApiException notFound(String what, String name) {
        return new ApiException(CommonErrors.NOT_FOUND, "no " + what + " " + name);
    }
}
