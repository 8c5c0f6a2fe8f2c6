package dev.sift.server.eval;

import java.util.List;
import java.util.Map;

/**
 * Ranking metrics of one query, as trec_eval (and pytrec_eval) compute them. {@code ranking} is the system's document
 * ids, best first; {@code judged} the query's judgments (id to graded relevance; unjudged documents count as 0).
 */
public final class RelevanceMetrics {
    private RelevanceMetrics() {}

    /**
     * NDCG@k: the sum over the first k ranks of {@code rel / log2(rank + 1)} (linear gain, negative relevance as 0),
     * divided by the same sum for the judgments sorted best first (trec_eval's {@code ndcg_cut_k}). 0 when no judged
     * document is relevant.
     */
    public static double ndcg(List<String> ranking, Map<String, Integer> judged, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            dcg += gain(judged.getOrDefault(ranking.get(i), 0)) / log2(i + 2);
        }
        List<Integer> ideal = judged.values().stream().map(RelevanceMetrics::gain).filter(g -> g > 0)
                .sorted((a, b) -> Integer.compare(b, a)).toList();
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) idcg += ideal.get(i) / log2(i + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    /** MRR@k: 1 / the rank of the first relevant document (relevance above 0) in the first k, else 0. */
    public static double reciprocalRank(List<String> ranking, Map<String, Integer> judged, int k) {
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            if (judged.getOrDefault(ranking.get(i), 0) > 0) return 1.0 / (i + 1);
        }
        return 0;
    }

    /** Recall@k: the relevant documents in the first k over all the query's judged relevant documents (0 if none). */
    public static double recall(List<String> ranking, Map<String, Integer> judged, int k) {
        long relevant = judged.values().stream().filter(r -> r > 0).count();
        if (relevant == 0) return 0;
        int found = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            if (judged.getOrDefault(ranking.get(i), 0) > 0) found++;
        }
        return (double) found / relevant;
    }

    private static int gain(int relevance) {
        return Math.max(0, relevance);
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
