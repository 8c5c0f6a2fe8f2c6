package dev.sift.server.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an evaluation reranks: each judged query with its candidates, checked against the corpus.
 *
 * @param skippedNoQrels   queries in the queries file with no document judged relevant, not evaluated
 * @param withoutCandidates evaluated queries for which the run listed no candidates (they score 0)
 */
public record EvalPlan(Map<String, String> corpus, Qrels qrels, List<Query> queries, int skippedNoQrels,
                       int withoutCandidates) {

    /** A query to rerank: its id, text and candidate document ids. */
    public record Query(String id, String text, List<String> candidates) {}

    /**
     * Plans the evaluation.
     *
     * @param run           first-stage candidates per query, or null for every corpus document
     * @param maxFullCorpus the largest corpus reranked whole when there is no run
     * @throws EvalFormatException for a qrels or run query missing from the queries, a run document missing from the
     *                             corpus, or a corpus too large to rerank whole
     */
    public static EvalPlan of(Map<String, String> corpus, Map<String, String> queries, Qrels qrels,
                              Map<String, List<String>> run, Path qrelsFile, Path runFile, int maxFullCorpus) {
        for (String q : qrels.byQuery().keySet()) {
            if (!queries.containsKey(q)) {
                throw new EvalFormatException(qrelsFile + ": query " + q + " is not in the queries file");
            }
        }
        if (run == null && corpus.size() > maxFullCorpus) {
            throw new EvalFormatException("the corpus has " + corpus.size() + " documents; reranking all of them for"
                    + " every query is limited to " + maxFullCorpus + ": pass first-stage candidates with --candidates RUN");
        }
        if (run != null) {
            run.forEach((q, docs) -> {
                if (!queries.containsKey(q)) {
                    throw new EvalFormatException(runFile + ": query " + q + " is not in the queries file");
                }
                for (String d : docs) {
                    if (!corpus.containsKey(d)) {
                        throw new EvalFormatException(runFile + ": document " + d + " (query " + q + ") is not in the corpus");
                    }
                }
            });
        }
        List<String> all = List.copyOf(corpus.keySet());
        List<Query> planned = new ArrayList<>();
        int skipped = 0;
        int empty = 0;
        for (Map.Entry<String, String> q : queries.entrySet()) {
            if (!qrels.hasRelevant(q.getKey())) {
                skipped++;
                continue;
            }
            List<String> candidates = run == null ? all : run.getOrDefault(q.getKey(), List.of());
            if (candidates.isEmpty()) empty++;
            planned.add(new Query(q.getKey(), q.getValue(), candidates));
        }
        if (planned.isEmpty()) throw new EvalFormatException(qrelsFile + ": no query has a document judged relevant");
        return new EvalPlan(corpus, qrels, List.copyOf(planned), skipped, empty);
    }

    /** Candidate pairs to score in all. */
    public long pairs() {
        return queries.stream().mapToLong(q -> q.candidates().size()).sum();
    }
}
