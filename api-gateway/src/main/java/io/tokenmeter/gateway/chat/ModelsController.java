package io.tokenmeter.gateway.chat;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.routing.ModelRouter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.Comparator;
import java.util.List;

/** {@code GET /v1/models} in OpenAI's list shape, with the provider and serving region of each model. */
@RestController
class ModelsController {

    record ModelList(String object, List<Model> data) {}

    record Model(String id, String object, long created, String ownedBy, String provider, String region) {}

    private final ModelRouter router;

    ModelsController(ModelRouter router) {
        this.router = router;
    }

    @GetMapping("/v1/models")
    @Operation(summary = "The models this tenant can call, with the provider and serving region that would serve them")
    ModelList models(@org.springframework.web.bind.annotation.RequestAttribute(ActiveKey.ATTRIBUTE) ActiveKey key) {
        List<Model> models = router.all().values().stream()
                .flatMap(routes -> routes.stream()
                        .filter(r -> key.allowsRegion(r.region()))
                        .limit(1))
                .map(r -> new Model(r.model(), "model", 0, r.provider(), r.provider(), r.region()))
                .sorted(Comparator.comparing(Model::id))
                .toList();
        return new ModelList("list", models);
    }
}
