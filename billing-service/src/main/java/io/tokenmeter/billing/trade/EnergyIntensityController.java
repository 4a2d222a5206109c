package io.tokenmeter.billing.trade;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Energy intensities per model and serving region: admins set them (audited), finance and admins read them. */
@RestController
class EnergyIntensityController {

    static final String PATH = "/api/v1/reports/energy-intensities";

    /** What an admin sends for one model and region. */
    record IntensityRequest(
            // the naming strategy would write wh_per1k_input: the digit does not start a word for it
            @JsonProperty("wh_per_1k_input") BigDecimal whPer1kInput,
            @JsonProperty("wh_per_1k_output") BigDecimal whPer1kOutput,
            BigDecimal pue,
            String source) {}

    private final EnergyIntensityRepository intensities;
    private final AdminAudit audit;

    EnergyIntensityController(EnergyIntensityRepository intensities, AdminAudit audit) {
        this.intensities = intensities;
        this.audit = audit;
    }

    @GetMapping(PATH)
    @Operation(summary = "Energy intensities per model and serving region (finance, admin)")
    List<EnergyIntensity> list(Caller caller) {
        Access.staff(caller, "energy intensities are for finance and admin keys");
        return intensities.all();
    }

    @PutMapping(PATH + "/{model}/{region}")
    @Transactional
    @Operation(
            summary = "Set a model's energy intensity in a serving region (admin): Wh per 1,000 input and output "
                    + "tokens, PUE, source; the token-trade statement estimates kWh from it")
    EnergyIntensity put(
            Caller caller,
            @PathVariable String model,
            @PathVariable String region,
            @RequestBody IntensityRequest request) {
        Access.admin(caller, "energy intensities are set by admin keys");
        List<InvalidField> problems = new ArrayList<>();
        nonNegative(request.whPer1kInput(), "/wh_per_1k_input", problems);
        nonNegative(request.whPer1kOutput(), "/wh_per_1k_output", problems);
        if (request.pue() == null
                || request.pue().compareTo(BigDecimal.ONE) < 0
                || request.pue().compareTo(BigDecimal.valueOf(5)) > 0) {
            problems.add(InvalidField.body(
                    "/pue", "range", "pue (facility energy over IT energy) is between 1 and 5: " + request.pue()));
        }
        if (request.source() == null || request.source().isBlank()) {
            problems.add(InvalidField.body(
                    "/source", "required", "source says where the figures come from (a paper, a measurement)"));
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(io.tokenmeter.starter.web.CommonErrors.INVALID_REQUEST, problems);
        }
        EnergyIntensity before = intensities.find(model, region).orElse(null);
        EnergyIntensity after = intensities.put(new EnergyIntensity(
                model,
                region,
                request.whPer1kInput(),
                request.whPer1kOutput(),
                request.pue(),
                request.source().strip(),
                null,
                caller.keyId()));
        audit.record(
                caller, before == null ? "create" : "change", "energy_intensity", model + "/" + region, before, after);
        return after;
    }

    private static void nonNegative(BigDecimal value, String pointer, List<InvalidField> problems) {
        if (value == null || value.signum() < 0) {
            problems.add(InvalidField.body(
                    pointer, "range", pointer.substring(1) + " is required, in Wh per 1,000 tokens, 0 or more"));
        }
    }
}
