package dev.sift.server.api.vllm;

import dev.sift.model.ModelSpec;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.scoring.Pairing;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** vLLM's {@code /score} (and {@code /v1/score}). */
public final class VllmScoreApi {

    /** The request's two sides under the four namings vLLM accepts, tried in vLLM's order. */
    static final String[][] NAMINGS = {
        {"queries", "documents"}, {"queries", "items"}, {"data_1", "data_2"}, {"text_1", "text_2"}};

    /** The server's context: each request selects its own model's from it. */
    private final ServingContext serving;

    public VllmScoreApi(ServingContext context) {
        this.serving = context;
    }

    public void register(Routes routes) {
        for (String path : List.of("/score", "/v1/score")) {
            routes.post(path, Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> score(ctx, Json.readObject(ctx))));
        }
    }

    /** Whether a body names its sides in one of the score namings (SageMaker routes by this). */
    public static boolean matches(JsonNode body) {
        for (String[] naming : NAMINGS) {
            if (body.hasNonNull(naming[0]) && body.hasNonNull(naming[1])) return true;
        }
        return false;
    }

    public void score(Context ctx, JsonNode body) {
        ServingContext context = serving.select(ctx, body, ModelSpec::canScore, "scoring");
        ScoreOptions options = VllmRequests.options(body, context);
        List<TextPair> pairs = null;
        for (String[] naming : NAMINGS) {
            if (body.hasNonNull(naming[0]) && body.hasNonNull(naming[1])) {
                pairs = Pairing.pair(VllmRequests.texts(body.get(naming[0]), naming[0], context),
                        VllmRequests.texts(body.get(naming[1]), naming[1], context));
                break;
            }
        }
        if (pairs == null) {
            throw ApiException.badRequest("Field required: give both sides of the pairs as queries and documents"
                    + " (or queries and items, data_1 and data_2, text_1 and text_2)");
        }
        PairScores scores = context.model().score(pairs, options);
        List<ScoreData> data = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) data.add(new ScoreData(i, "score", scores.scores()[i]));
        Json.write(ctx, 200, new ScoreResponse(VllmRequests.requestId("score", ctx.header("X-Request-Id")), "list",
                VllmRequests.now(), context.served().name(), data, Usage.of(scores.totalTokens())));
    }

    record ScoreData(int index, String object, double score) {}

    record ScoreResponse(String id, String object, long created, String model, List<ScoreData> data, Usage usage) {}
}
