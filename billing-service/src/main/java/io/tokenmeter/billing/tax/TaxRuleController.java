package io.tokenmeter.billing.tax;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Tax rules: admins add them, finance and admins read them and ask which one applies to a sale. */
@RestController
class TaxRuleController {

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    record NewTaxRule(
            @NotBlank @Pattern(regexp = "[A-Z]{2}") String issuerCountry,
            @NotBlank String buyerCountry,

            @NotBlank @Pattern(regexp = "business|consumer|any") String buyerType,

            @NotBlank String name,
            @NotNull @DecimalMin("0") @DecimalMax("100") BigDecimal ratePercent,
            String legalNote,
            String treatment) {}

    private final TaxRuleRepository rules;

    TaxRuleController(TaxRuleRepository rules) {
        this.rules = rules;
    }

    @PostMapping("/api/v1/billing/tax-rules")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Add a tax rule (admin): issuer country x buyer country, group (EU) or * x buyer type")
    TaxRule add(Caller caller, @Valid @RequestBody NewTaxRule rule) {
        Access.admin(caller);
        if (!COUNTRIES.contains(rule.issuerCountry())) {
            throw ApiException.invalid(InvalidField.body(
                    "/issuer_country",
                    "iso-3166",
                    "issuer_country is not an ISO 3166 country: " + rule.issuerCountry()));
        }
        String buyer = rule.buyerCountry();
        if (!TaxRule.ANY_COUNTRY.equals(buyer) && !COUNTRIES.contains(buyer) && !rules.isCountryGroup(buyer)) {
            throw ApiException.invalid(InvalidField.body(
                    "/buyer_country",
                    "iso-3166",
                    "buyer_country must be an ISO 3166 country, a country group (EU) or *: " + buyer));
        }
        if (rule.treatment() != null && !TaxRule.TREATMENTS.contains(rule.treatment())) {
            throw ApiException.invalid(InvalidField.body(
                    "/treatment",
                    "enum",
                    "treatment is one of " + TaxRule.TREATMENTS
                            + " (or left out: implied by the rule's countries, rate " + "and note): "
                            + rule.treatment()));
        }
        if (rules.find(rule.issuerCountry(), buyer, rule.buyerType()).isPresent()) {
            throw new ApiException(
                    BillingErrors.CONFLICT,
                    "a rule for " + rule.issuerCountry() + " -> " + buyer + " (" + rule.buyerType()
                            + ") exists; rules are kept as invoices used them, add a more specific one instead");
        }
        return rules.add(
                rule.issuerCountry(),
                buyer,
                rule.buyerType(),
                rule.name(),
                rule.ratePercent(),
                rule.legalNote(),
                rule.treatment() != null
                        ? rule.treatment()
                        : TaxRule.implied(rule.issuerCountry(), buyer, rule.ratePercent(), rule.legalNote()),
                caller.keyId());
    }

    @GetMapping("/api/v1/billing/tax-rules")
    @Operation(summary = "The tax rules (finance, admin)")
    List<TaxRule> list(Caller caller) {
        Access.staff(caller);
        return rules.all();
    }

    @GetMapping("/api/v1/billing/tax-rules/applicable")
    @Operation(summary = "The rule that applies to a sale (finance, admin); a buyer with a tax id is a business")
    TaxRule applicable(
            Caller caller,
            @RequestParam("issuer_country") String issuerCountry,
            @RequestParam("buyer_country") String buyerCountry,
            @RequestParam(name = "business", defaultValue = "false") boolean business) {
        Access.staff(caller);
        return rules.applicable(issuerCountry, buyerCountry, business);
    }
}
