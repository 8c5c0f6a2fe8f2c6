package dev.sift.server.api.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.server.api.openai.EmbeddingsApi;
import dev.sift.server.api.pooling.PoolingApi;
import dev.sift.server.api.rerank.RerankApi;
import dev.sift.server.api.tei.TeiErrors;
import dev.sift.server.api.tei.TeiRerankApi;
import dev.sift.server.api.vllm.VllmErrors;
import dev.sift.server.api.vllm.VllmScoreApi;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * SageMaker's contract: {@code GET|POST /ping} for health, and {@code POST /invocations}, which goes to the route
 * whose request the body looks like (TEI rerank, rerank, score, embeddings, classify), as vLLM routes it.
 */
public final class SageMakerApi {
    private final ServingContext context;
    private final RerankApi rerank;
    private final TeiRerankApi tei;
    private final VllmScoreApi score;
    private final EmbeddingsApi embeddings;
    private final PoolingApi pooling;

    public SageMakerApi(ServingContext context) {
        this.context = context;
        this.rerank = new RerankApi(context);
        this.tei = new TeiRerankApi(context);
        this.score = new VllmScoreApi(context);
        this.embeddings = new EmbeddingsApi(context);
        this.pooling = new PoolingApi(context);
    }

    public void register(Routes routes) {
        routes.get("/ping", Routes.Access.OPEN, ctx -> ctx.status(200));
        routes.post("/ping", Routes.Access.OPEN, ctx -> ctx.status(200));
        routes.post("/invocations", Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> invoke(ctx, Json.readObject(ctx))));
    }

    void invoke(Context ctx, JsonNode body) {
        // The handler chosen below selects the model again; here it decides which handler the body is for. A body
        // that looks like TEI's hears of a bad model in TEI's shape, as every other failure of that body.
        ModelSpec spec;
        try {
            spec = context.select(ctx, body).model().spec();
        } catch (ApiException e) {
            if (!TeiRerankApi.matches(body)) throw e;
            TeiErrors.write(ctx, e);
            return;
        }
        if (spec.canScore() && TeiRerankApi.matches(body)) tei.handle(ctx, body);
        else if (spec.canScore() && RerankApi.matches(body)) rerank.rerank(ctx, body, "1");
        else if (spec.canScore() && VllmScoreApi.matches(body)) score.score(ctx, body);
        else if (spec.task() == ModelTask.EMBEDDING && body.has("input")) embeddings.embeddings(ctx, body);
        else if (PoolingApi.classifies(spec) && body.has("input")) pooling.classify(ctx, body);
        else throw ApiException.invalidValue("Cannot find suitable handler for request. Expected one of: " + expected(spec), null);
    }

    private static List<String> expected(ModelSpec spec) {
        List<String> kinds = new ArrayList<>();
        if (spec.task() == ModelTask.EMBEDDING) kinds.add("EmbeddingRequest {input}");
        else if (PoolingApi.classifies(spec)) kinds.add("ClassificationRequest {input}");
        if (spec.canScore()) {
            kinds.add("RerankRequest {query, documents}");
            kinds.add("ScoreRequest {queries, documents}");
            kinds.add("TEI RerankRequest {query, texts}");
        }
        return kinds;
    }
}
