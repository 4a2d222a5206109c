package io.tokenmeter.billing.issuer;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Locale;
import java.util.Set;

@RestController
class IssuerController {

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    record NewIssuer(String id, String legalName, String country, String taxId, Boolean isDefault) {}

    private final IssuerRepository issuers;

    IssuerController(IssuerRepository issuers) {
        this.issuers = issuers;
    }

    @PostMapping("/api/v1/billing/issuers")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    @Operation(summary = "Add an issuing entity (admin); is_default makes it the issuer of every tenant's invoices")
    Issuer add(Caller caller, @RequestBody NewIssuer issuer) {
        Access.admin(caller);
        if (issuer.id() == null || !issuer.id().matches("[A-Z0-9]{2,10}")) {
            throw ApiException.invalid(InvalidField.body(
                    "/id", "pattern", "id must be 2 to 10 capital letters or digits (it prefixes document numbers)"));
        }
        if (issuer.legalName() == null
                || issuer.legalName().isBlank()
                || !COUNTRIES.contains(String.valueOf(issuer.country()))) {
            throw ApiException.invalid(InvalidField.body(
                    issuer.legalName() == null || issuer.legalName().isBlank() ? "/legal_name" : "/country",
                    "required",
                    "legal_name and an ISO 3166 country are required"));
        }
        if (issuers.find(issuer.id()).isPresent()) {
            throw new ApiException(BillingErrors.CONFLICT, "issuer " + issuer.id() + " exists");
        }
        return issuers.add(
                new Issuer(
                        issuer.id(),
                        issuer.legalName(),
                        issuer.country(),
                        issuer.taxId(),
                        Boolean.TRUE.equals(issuer.isDefault())),
                caller.keyId());
    }

    @GetMapping("/api/v1/billing/issuers")
    @Operation(summary = "The issuing entities (finance, admin)")
    List<Issuer> list(Caller caller) {
        Access.staff(caller);
        return issuers.all();
    }
}
