package dev.sift.server.api.tei;

import dev.sift.model.ModelSpec;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.SiftModel;
import dev.sift.scoring.Pairing;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.RankedDocument;
import dev.sift.scoring.ScoreOptions;
import dev.sift.server.api.vllm.VllmRequests;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * TEI's rerank: {@code {"query", "texts", "raw_scores", "return_text", "truncate", "truncation_direction"}},
 * answered with a bare array of {@code {index, score, text?}} sorted best first, and TEI's errors.
 */
public final class TeiRerankApi {
    /** TEI's body has no max_chunks_per_doc: only the server's --max-chunks-per-doc applies. */
    private static final JsonNode NO_FIELDS = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();

    /** The server's context: each request selects its own model's from it. */
    private final ServingContext serving;

    public TeiRerankApi(ServingContext context) {
        this.serving = context;
    }

    /** TEI's body is told apart from the others by its {@code texts}. */
    public static boolean matches(JsonNode body) {
        return body.has("texts");
    }

    /** Handles a TEI body; any failure is answered in TEI's error shape. */
    public void handle(Context ctx, JsonNode body) {
        try {
            rerank(ctx, body);
        } catch (Exception e) {
            TeiErrors.write(ctx, e);
        }
    }

    private void rerank(Context ctx, JsonNode body) {
        // TEI serves one model and its request names none; Sift's other models are reached with a "model" field.
        ServingContext context = serving.select(ctx, body, ModelSpec::canScore, "reranking");
        JsonNode query = body.get("query");
        if (query == null || !query.isTextual()) throw ApiException.badRequest("`query` must be a string");
        JsonNode textsNode = body.get("texts");
        if (!textsNode.isArray()) throw ApiException.badRequest("`texts` must be a list of strings");
        if (textsNode.isEmpty()) throw new TeiErrors.EmptyTexts();
        List<String> texts = new ArrayList<>(textsNode.size());
        for (JsonNode t : textsNode) {
            if (!t.isTextual()) throw ApiException.badRequest("`texts` must be a list of strings");
            texts.add(t.asText());
        }
        context.limits().checkText(query.asText(), "query");
        VllmRequests.checkTexts(texts, "texts", context);

        boolean truncate = VllmRequests.optionalBoolean(body, "truncate", context.options().autoTruncate());
        boolean raw = VllmRequests.optionalBoolean(body, "raw_scores", false);
        boolean returnText = VllmRequests.optionalBoolean(body, "return_text", false);
        ScoreOptions options = ScoreOptions.DEFAULT.withTruncate(truncate, 0)
                .withTruncationSide(VllmRequests.side(body.get("truncation_direction"), "truncation_direction"))
                .withUseActivation(!raw).withTimeout(context.options().requestTimeout())
                .withMaxChunksPerDoc(VllmRequests.maxChunksPerDoc(NO_FIELDS, context));

        PairScores scores = context.model().score(Pairing.pair(List.of(query.asText()), texts), options);
        List<Rank> ranks = new ArrayList<>(texts.size());
        for (RankedDocument r : SiftModel.rank(texts, scores.scores(), 0)) {
            ranks.add(new Rank(r.index(), r.score(), returnText ? r.document() : null));
        }
        ctx.header("x-compute-tokens", Long.toString(scores.totalTokens()));
        Json.write(ctx, 200, ranks);
    }

    record Rank(int index, double score, @JsonInclude(JsonInclude.Include.NON_NULL) String text) {}
}
