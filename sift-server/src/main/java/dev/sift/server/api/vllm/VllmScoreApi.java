package dev.sift.server.api.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.SiftModel;
import dev.sift.scoring.Pairing;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.RankedDocument;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.ServedModel;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** vLLM's {@code /score} and {@code /rerank} routes (and their {@code /v1}, {@code /v2} aliases). */
public final class VllmScoreApi {

    /** The request's two sides under the four namings vLLM accepts, tried in vLLM's order. */
    private static final String[][] SCORE_NAMINGS = {
        {"queries", "documents"}, {"queries", "items"}, {"data_1", "data_2"}, {"text_1", "text_2"}};

    private final ServedModel served;

    public VllmScoreApi(ServedModel served) {
        this.served = served;
    }

    public void register(RoutesConfig routes) {
        for (String path : List.of("/score", "/v1/score")) routes.post(path, VllmErrors.guarded(this::score));
        for (String path : List.of("/rerank", "/v1/rerank", "/v2/rerank")) routes.post(path, VllmErrors.guarded(this::rerank));
    }

    void score(Context ctx) {
        JsonNode body = Json.readObject(ctx);
        VllmRequests.checkModel(body, served);
        ScoreOptions options = VllmRequests.options(body, model().spec().maxLength());
        List<TextPair> pairs = null;
        for (String[] naming : SCORE_NAMINGS) {
            if (body.hasNonNull(naming[0]) && body.hasNonNull(naming[1])) {
                pairs = Pairing.pair(VllmRequests.texts(body.get(naming[0]), naming[0], served),
                        VllmRequests.texts(body.get(naming[1]), naming[1], served));
                break;
            }
        }
        if (pairs == null) {
            throw ApiException.badRequest("Field required: give both sides of the pairs as queries and documents"
                    + " (or queries and items, data_1 and data_2, text_1 and text_2)");
        }
        PairScores scores = model().score(pairs, options);
        List<ScoreData> data = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) data.add(new ScoreData(i, "score", scores.scores()[i]));
        long tokens = scores.totalTokens();
        Json.write(ctx, 200, new ScoreResponse(VllmRequests.requestId("score", ctx.header("X-Request-Id")), "list",
                System.currentTimeMillis() / 1000, served.name(), data,
                new ScoreUsage(tokens, tokens, 0, null)));
    }

    void rerank(Context ctx) {
        JsonNode body = Json.readObject(ctx);
        VllmRequests.checkModel(body, served);
        ScoreOptions options = VllmRequests.options(body, model().spec().maxLength());
        JsonNode queryNode = body.get("query");
        JsonNode documentsNode = body.get("documents");
        if (queryNode == null || queryNode.isNull()) throw ApiException.badRequest("Field required: query");
        if (documentsNode == null || documentsNode.isNull()) throw ApiException.badRequest("Field required: documents");
        List<String> query = VllmRequests.texts(queryNode, "query", served);
        if (query.size() != 1 || !queryNode.isTextual()) throw ApiException.badRequest("query must be a string");
        List<String> documents = VllmRequests.texts(documentsNode, "documents", served);
        int topN = VllmRequests.optionalInt(body, "top_n", 0);

        PairScores scores = model().score(Pairing.pair(query, documents), options);
        List<RerankResult> results = new ArrayList<>();
        for (RankedDocument ranked : SiftModel.rank(documents, scores.scores(), topN)) {
            results.add(new RerankResult(ranked.index(), new RerankDocument(ranked.document(), null), ranked.score()));
        }
        long tokens = scores.totalTokens();
        Json.write(ctx, 200, new RerankResponse(VllmRequests.requestId("score", ctx.header("X-Request-Id")),
                served.name(), new RerankUsage(tokens, tokens), results));
    }

    private SiftModel model() {
        return served.model();
    }

    record ScoreData(int index, String object, double score) {}

    record ScoreUsage(long promptTokens, long totalTokens, int completionTokens, Object promptTokensDetails) {}

    record ScoreResponse(String id, String object, long created, String model, List<ScoreData> data, ScoreUsage usage) {}

    record RerankDocument(String text, Object multiModal) {}

    record RerankResult(int index, RerankDocument document, double relevanceScore) {}

    record RerankUsage(long promptTokens, long totalTokens) {}

    record RerankResponse(String id, String model, RerankUsage usage, List<RerankResult> results) {}
}
