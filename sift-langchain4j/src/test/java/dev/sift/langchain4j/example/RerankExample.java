package dev.sift.langchain4j.example;

import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.content.aggregator.ContentAggregator;
import dev.langchain4j.rag.content.aggregator.ReRankingContentAggregator;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.sift.langchain4j.SiftScoringModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A RAG application's reranking step, in process: a retriever returns candidates, and LangChain4j's
 * {@link ReRankingContentAggregator}, scoring with Sift, keeps the best three. In an application the aggregator goes to
 * {@code DefaultRetrievalAugmentor.builder().contentAggregator(...)}, and the augmentor to {@code AiServices}.
 *
 * <p>Run from the repository root: {@code ./sift langchain4j-example [MODEL_FOLDER [QUERY]]}.
 */
public final class RerankExample {

    /** The candidates the stand-in retriever returns for any query. */
    static final List<String> CORPUS = List.of(
            "Paris is the capital and largest city of France.",
            "Berlin is the capital of Germany.",
            "France is a country in Western Europe; its capital is Paris.",
            "The Eiffel Tower was built for the 1889 World's Fair.",
            "Madrid is the capital of Spain.",
            "Lyon is France's third-largest city.");

    private RerankExample() {}

    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "testdata/models/bert-cross-encoder");
        String question = args.length > 1 ? args[1] : "What is the capital of France?";
        run(model, question, System.out);
    }

    /** Reranks the corpus for {@code question} with the model in {@code modelFolder}, printing the three kept. */
    public static List<Content> run(Path modelFolder, String question, PrintStream out) {
        // A stand-in for a vector store's retriever: every document of the small corpus is a candidate.
        ContentRetriever retriever = query -> CORPUS.stream().map(Content::from).toList();

        try (SiftScoringModel scoring = SiftScoringModel.open(modelFolder)) {
            ContentAggregator reranker = ReRankingContentAggregator.builder()
                    .scoringModel(scoring)
                    .maxResults(3)
                    .build();
            Query query = Query.from(question);
            List<Content> best = reranker.aggregate(Map.of(query, List.of(retriever.retrieve(query))));

            out.println(question);
            for (Content content : best) {
                double score = (Double) content.metadata().get(ContentMetadata.RERANKED_SCORE);
                out.println(String.format(Locale.ROOT, "  %.4f  %s", score, content.textSegment().text()));
            }
            return best;
        }
    }
}
