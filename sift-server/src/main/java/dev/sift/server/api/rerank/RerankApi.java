package dev.sift.server.api.rerank;

import dev.sift.model.ModelSpec;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.SiftModel;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.Pairing;
import dev.sift.scoring.RankedDocument;
import dev.sift.scoring.ScoreOptions;
import dev.sift.server.api.tei.TeiRerankApi;
import dev.sift.server.api.vllm.VllmErrors;
import dev.sift.server.api.vllm.VllmRequests;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /rerank}, {@code /v1/rerank} and {@code /v2/rerank}: one request shape that vLLM, Cohere (v1 and v2) and
 * Jina clients all send (a query and documents), answered with one response all of them read: vLLM's
 * {@code id}, {@code model}, {@code usage} and {@code results}, plus Cohere's {@code meta}. A body with
 * {@code texts} instead is TEI's request and gets TEI's reply, as llama.cpp's server does.
 */
public final class RerankApi {

    /** The server's context: each request selects its own model's from it. */
    private final ServingContext serving;
    private final TeiRerankApi tei;

    public RerankApi(ServingContext context) {
        this.serving = context;
        this.tei = new TeiRerankApi(context);
    }

    public void register(Routes routes) {
        routes.post("/rerank", Routes.Access.PROTECTED, handler("1"));
        routes.post("/v1/rerank", Routes.Access.PROTECTED, handler("1"));
        routes.post("/v2/rerank", Routes.Access.PROTECTED, handler("2"));
    }

    private io.javalin.http.Handler handler(String apiVersion) {
        return VllmErrors.guarded(ctx -> {
            JsonNode body = Json.readObject(ctx);
            if (TeiRerankApi.matches(body)) tei.handle(ctx, body);
            else rerank(ctx, body, apiVersion);
        });
    }

    /** Whether a body is a query-and-documents rerank request (SageMaker routes by this). */
    public static boolean matches(JsonNode body) {
        return body.hasNonNull("query") && body.hasNonNull("documents");
    }

    public void rerank(Context ctx, JsonNode body, String apiVersion) {
        ServingContext context = serving.select(ctx, body, ModelSpec::canScore, "reranking");
        ScoreOptions options = VllmRequests.options(body, context)
                .withMaxChunksPerDoc(VllmRequests.maxChunksPerDoc(body, context));
        JsonNode queryNode = body.get("query");
        if (queryNode == null || queryNode.isNull()) throw ApiException.badRequest("Field required: query");
        if (!queryNode.isTextual()) {
            if (queryNode.isObject() && queryNode.has("content")) throw VllmRequests.multiModal(context.served());
            throw ApiException.badRequest("query must be a string");
        }
        String query = queryNode.asText();
        context.limits().checkText(query, "query");
        Documents documents = Documents.read(body, context);
        int topN = VllmRequests.optionalInt(body, "top_n", 0);
        boolean returnDocuments = VllmRequests.optionalBoolean(body, "return_documents", true);

        PairScores scores = context.model().score(Pairing.pair(List.of(query), documents.texts()), options);
        List<Result> results = new ArrayList<>();
        for (RankedDocument ranked : SiftModel.rank(documents.texts(), scores.scores(), topN)) {
            Object document = returnDocuments ? documents.asReturned(ranked.index()) : null;
            results.add(new Result(ranked.index(), document, ranked.score()));
        }
        long tokens = scores.totalTokens();
        // Cohere bills one search unit per query and up to 100 documents.
        int searchUnits = Math.max(1, (documents.texts().size() + 99) / 100);
        Json.write(ctx, 200, new RerankResponse(VllmRequests.requestId("score", ctx.header("X-Request-Id")),
                context.served().name(), new Usage(tokens, tokens), results,
                new Meta(Map.of("version", apiVersion), Map.of("search_units", searchUnits))));
    }

    record Usage(long promptTokens, long totalTokens) {}

    record Result(int index, @JsonInclude(JsonInclude.Include.NON_NULL) Object document, double relevanceScore) {}

    record Meta(Map<String, String> apiVersion, Map<String, Integer> billedUnits) {}

    record RerankResponse(String id, String model, Usage usage, List<Result> results, Meta meta) {}

    /**
     * The documents of a request: strings, or objects (Cohere v1, Jina) ranked on their {@code text} or on the
     * fields {@code rank_fields} names.
     */
    record Documents(List<String> texts, List<JsonNode> originals) {

        static Documents read(JsonNode body, ServingContext context) {
            JsonNode node = body.get("documents");
            if (node == null || node.isNull()) throw ApiException.badRequest("Field required: documents");
            List<JsonNode> items = new ArrayList<>();
            if (node.isArray()) node.forEach(items::add);
            else items.add(node);
            context.limits().checkCount(items.size(), "documents");
            List<String> rankFields = rankFields(body);
            List<String> texts = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                String text;
                if (item.isTextual()) {
                    text = item.asText();
                } else if (item.isObject() && item.has("content")) {
                    throw VllmRequests.multiModal(context.served());
                } else if (item.isObject()) {
                    text = fields(item, rankFields, i);
                } else {
                    throw ApiException.badRequest("documents must be strings or objects with a \"text\" field; document "
                            + i + " is " + item.getNodeType().name().toLowerCase(Locale.ROOT));
                }
                context.limits().checkText(text, "documents[" + i + "]");
                texts.add(text);
            }
            return new Documents(texts, items);
        }

        /** What a result returns as its document: the object as sent, or {text, multi_modal} for a string. */
        Object asReturned(int index) {
            JsonNode original = originals.get(index);
            if (original.isObject()) return original;
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("text", original.asText());
            document.put("multi_modal", null);
            return document;
        }

        private static List<String> rankFields(JsonNode body) {
            JsonNode node = body.get("rank_fields");
            if (node == null || node.isNull()) return List.of("text");
            if (!node.isArray() || node.isEmpty()) throw ApiException.badRequest("rank_fields must be a non-empty list of field names");
            List<String> fields = new ArrayList<>();
            for (JsonNode f : node) {
                if (!f.isTextual()) throw ApiException.badRequest("rank_fields must be a list of strings");
                fields.add(f.asText());
            }
            return fields;
        }

        /** One field's value, or several as "field: value" lines in the order given (Cohere's rank_fields). */
        private static String fields(JsonNode document, List<String> fields, int index) {
            if (fields.size() == 1) {
                JsonNode value = document.get(fields.get(0));
                if (value == null || !value.isTextual()) {
                    throw ApiException.invalidValue("document " + index + " has no string field \"" + fields.get(0) + "\"", "documents");
                }
                return value.asText();
            }
            StringBuilder text = new StringBuilder();
            for (String field : fields) {
                JsonNode value = document.get(field);
                if (value == null || value.isNull()) continue;
                if (!text.isEmpty()) text.append('\n');
                text.append(field).append(": ").append(value.isTextual() ? value.asText() : value.toString());
            }
            if (text.isEmpty()) {
                throw ApiException.invalidValue("document " + index + " has none of the rank_fields " + fields, "documents");
            }
            return text.toString();
        }
    }
}
