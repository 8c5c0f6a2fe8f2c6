package dev.sift.server.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reranks each judged query's candidates with one model and scores the rankings.
 *
 * <p>Documents are ordered by score, highest first; equal scores by document id in reverse order, as trec_eval breaks
 * ties, so that the run written out evaluates to the same figures in trec_eval and pytrec_eval.
 */
public final class Evaluation {
    /** Scores documents against a query, in document order (a model's {@code score(query, documents)}). */
    @FunctionalInterface
    public interface PairScorer {
        double[] score(String query, List<String> documents);
    }

    /** Called after each query with the number done. */
    @FunctionalInterface
    public interface Progress {
        void done(int queries);
    }

    /** A document and its score. */
    public record Ranked(String docId, double score) {}

    /** One query's reranked candidates, best first, and its metrics. */
    public record QueryResult(String queryId, List<Ranked> ranking, Map<String, Double> metrics) {}

    /** One model's results: per query, and the mean of each metric over the queries. */
    public record ModelResult(String model, List<QueryResult> queries, Map<String, Double> means, double seconds) {}

    private Evaluation() {}

    /** The metric names for cut-off k, in report order. */
    public static List<String> metricNames(int k) {
        List<String> names = new ArrayList<>(List.of("NDCG@" + k, "MRR@" + k, "Recall@" + k));
        if (k != 100) names.add("Recall@100");
        return names;
    }

    /** Ranks one query's scored candidates and computes its metrics. */
    public static QueryResult rank(String queryId, List<String> docIds, double[] scores, Map<String, Integer> judged, int k) {
        List<Ranked> ranking = new ArrayList<>(docIds.size());
        for (int i = 0; i < docIds.size(); i++) ranking.add(new Ranked(docIds.get(i), scores[i]));
        ranking.sort(Comparator.comparingDouble(Ranked::score).reversed()
                .thenComparing(Ranked::docId, Comparator.reverseOrder()));
        List<String> ids = ranking.stream().map(Ranked::docId).toList();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("NDCG@" + k, RelevanceMetrics.ndcg(ids, judged, k));
        metrics.put("MRR@" + k, RelevanceMetrics.reciprocalRank(ids, judged, k));
        metrics.put("Recall@" + k, RelevanceMetrics.recall(ids, judged, k));
        if (k != 100) metrics.put("Recall@100", RelevanceMetrics.recall(ids, judged, 100));
        return new QueryResult(queryId, List.copyOf(ranking), metrics);
    }

    /**
     * Evaluates a model over the plan's queries.
     *
     * @param model the name to report
     */
    public static ModelResult run(String model, EvalPlan plan, PairScorer scorer, int k, Progress progress) {
        long start = System.nanoTime();
        List<QueryResult> results = new ArrayList<>(plan.queries().size());
        for (EvalPlan.Query q : plan.queries()) {
            List<String> texts = new ArrayList<>(q.candidates().size());
            for (String id : q.candidates()) texts.add(plan.corpus().get(id));
            double[] scores = texts.isEmpty() ? new double[0] : scorer.score(q.text(), texts);
            results.add(rank(q.id(), q.candidates(), scores, plan.qrels().of(q.id()), k));
            progress.done(results.size());
        }
        return new ModelResult(model, List.copyOf(results), means(results, metricNames(k)),
                (System.nanoTime() - start) / 1e9);
    }

    static Map<String, Double> means(List<QueryResult> results, List<String> names) {
        Map<String, Double> means = new LinkedHashMap<>();
        for (String name : names) {
            double sum = 0;
            for (QueryResult r : results) sum += r.metrics().get(name);
            means.put(name, results.isEmpty() ? 0 : sum / results.size());
        }
        return means;
    }
}
