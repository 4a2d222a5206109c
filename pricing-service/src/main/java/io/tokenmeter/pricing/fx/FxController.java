package io.tokenmeter.pricing.fx;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.money.Money;
import io.tokenmeter.contracts.rating.FxRate;
import io.tokenmeter.pricing.PricingErrors;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

@RestController
class FxController {

    record FxRateRequest(String base, String quote, BigDecimal rate, LocalDate asOf, String source) {}

    record ImportResult(int imported, int alreadyPresent, LocalDate first, LocalDate last) {}

    record ConversionView(
            String from,
            String to,
            LocalDate date,
            BigDecimal amount,
            BigDecimal converted,
            BigDecimal rate,
            List<FxRate> ratesUsed,
            String policy) {}

    static final String POLICY = "the latest rate published on or before the date, at most " + FxRateTable.MAX_AGE_DAYS
            + " days old; direct, inverse, or crossed through " + FxRateTable.PIVOT
            + "; converted at full precision and rounded once to the target currency's minor units, half to even";

    private final FxRateRepository rates;
    private final AdminAudit audit;

    FxController(FxRateRepository rates, AdminAudit audit) {
        this.rates = rates;
        this.audit = audit;
    }

    @PostMapping("/api/v1/fx/rates")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    @Operation(summary = "Enter an FX rate: 1 base = rate quote (admin)")
    FxRate add(Caller caller, @RequestBody FxRateRequest request) {
        Access.admin(caller);
        currency(request.base());
        currency(request.quote());
        if (request.base().equals(request.quote())) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_FX_RATES,
                    List.of(InvalidField.body("/quote", "differs", "base and quote must differ")));
        }
        if (request.rate() == null || request.rate().signum() <= 0 || request.asOf() == null) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_FX_RATES,
                    List.of(InvalidField.body(
                            request.asOf() == null ? "/as_of" : "/rate",
                            request.asOf() == null ? "required" : "range",
                            "rate must be positive and as_of a date")));
        }
        FxRate rate = new FxRate(
                request.base(),
                request.quote(),
                request.rate(),
                request.asOf(),
                request.source() == null || request.source().isBlank() ? "admin" : request.source());
        if (!rates.insert(rate, caller.keyId())) {
            throw new ApiException(
                    PricingErrors.INVALID_FX_RATES,
                    "a " + rate.base() + "/" + rate.quote() + " rate from " + rate.source() + " for " + rate.asOf()
                            + " exists already; published rates are not rewritten");
        }
        audit.record(caller, "create", "fx_rate", rate.base() + "/" + rate.quote() + "@" + rate.asOf(), null, rate);
        return rate;
    }

    @PostMapping(
            path = "/api/v1/fx/ecb",
            consumes = {"text/csv", "text/plain", "application/octet-stream"})
    @Transactional
    @Operation(summary = "Import the ECB euro reference rates CSV as downloaded (admin)")
    ImportResult importEcb(Caller caller, @RequestBody String csv) {
        Access.admin(caller);
        List<FxRate> parsed;
        try {
            parsed = EcbCsv.parse(new StringReader(csv));
        } catch (IllegalArgumentException | IOException | java.io.UncheckedIOException e) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_FX_RATES,
                    List.of(InvalidField.body("", "ecb-csv", "not a valid ECB CSV: " + e.getMessage())));
        }
        if (parsed.isEmpty()) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_FX_RATES,
                    List.of(InvalidField.body("", "not-empty", "the CSV holds no rates")));
        }
        int imported = 0;
        for (FxRate rate : parsed) {
            imported += rates.insert(rate, caller.keyId()) ? 1 : 0;
        }
        LocalDate first =
                parsed.stream().map(FxRate::asOf).min(LocalDate::compareTo).orElseThrow();
        LocalDate last =
                parsed.stream().map(FxRate::asOf).max(LocalDate::compareTo).orElseThrow();
        ImportResult result = new ImportResult(imported, parsed.size() - imported, first, last);
        audit.record(caller, "import", "fx_rate", EcbCsv.SOURCE, null, result);
        return result;
    }

    @GetMapping("/api/v1/fx/rates")
    @Operation(summary = "Published FX rates")
    List<FxRate> list(
            Caller caller,
            @RequestParam(required = false) String base,
            @RequestParam(required = false) String quote,
            @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate from,
            @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate to) {
        return rates.find(base, quote, from, to);
    }

    @GetMapping("/api/v1/fx/convert")
    @Operation(summary = "Convert an amount as an invoice would, saying which published rates were used")
    ConversionView convert(
            Caller caller,
            @RequestParam String from,
            @RequestParam String to,
            @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate date,
            @RequestParam BigDecimal amount) {
        currency(from);
        currency(to);
        try {
            FxConversion c = rates.tableFor(date).conversion(from, to, date);
            return new ConversionView(
                    from,
                    to,
                    date,
                    amount,
                    Money.of(amount, from).convert(c.rate(), to).rounded().amount(),
                    c.rate(),
                    c.ratesUsed(),
                    POLICY);
        } catch (MissingFxRateException e) {
            throw new ApiException(
                    PricingErrors.FX_RATE_MISSING,
                    e.getMessage(),
                    Map.of("pair", from + "/" + to, "date", date.toString()));
        }
    }

    private static java.util.Currency currency(String code) {
        try {
            return MinorUnits.currency(code);
        } catch (IllegalArgumentException e) {
            throw new ApiException(PricingErrors.UNKNOWN_CURRENCY, e.getMessage());
        }
    }
}
