package dev.sift.server.api.vllm;

import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServedModel;
import dev.sift.server.http.ServedModels;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** {@code GET /v1/models}: one card per served name of every model, in the OpenAI shape vLLM reports. */
public final class VllmModelsApi {
    private final ServedModels models;
    private final long created = System.currentTimeMillis() / 1000;

    public VllmModelsApi(ServingContext context) {
        this.models = context.models();
    }

    public void register(Routes routes) {
        routes.get("/v1/models", Routes.Access.PROTECTED, VllmErrors.guarded(this::models));
    }

    void models(Context ctx) {
        List<ModelCard> cards = new ArrayList<>();
        for (ServedModel served : models.all()) {
            for (String name : served.names()) {
                Permission permission = new Permission("modelperm-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()),
                        "model_permission", created, false, false, false, false, true, false, "*", null, false);
                cards.add(new ModelCard(name, "model", created, "sift", served.root(), null,
                        served.model().spec().maxLength(), List.of(permission)));
            }
        }
        Json.write(ctx, 200, new ModelList("list", cards));
    }

    record ModelList(String object, List<ModelCard> data) {}

    record ModelCard(String id, String object, long created, String ownedBy, String root, String parent,
                     int maxModelLen, List<Permission> permission) {}

    record Permission(String id, String object, long created, boolean allowCreateEngine, boolean allowSampling,
                      boolean allowLogprobs, boolean allowSearchIndices, boolean allowView, boolean allowFineTuning,
                      String organization, String group, boolean isBlocking) {}
}
