package dev.sift.server.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of an evaluation as a table, as JSON, and as a TREC run file. */
public final class EvalReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalReport() {}

    /**
     * An aligned table: a row per metric, a column per model, and with two models their difference (second minus
     * first).
     */
    public static String table(List<Evaluation.ModelResult> results, List<String> metrics) {
        List<String> header = new ArrayList<>();
        header.add("metric");
        for (Evaluation.ModelResult r : results) header.add(r.model());
        boolean diff = results.size() == 2;
        if (diff) header.add("difference");
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (String m : metrics) {
            List<String> row = new ArrayList<>();
            row.add(m);
            for (Evaluation.ModelResult r : results) row.add(format(r.means().get(m)));
            if (diff) {
                row.add(String.format(Locale.ROOT, "%+.4f", results.get(1).means().get(m) - results.get(0).means().get(m)));
            }
            rows.add(row);
        }
        int[] widths = new int[header.size()];
        for (List<String> row : rows) for (int c = 0; c < row.size(); c++) widths[c] = Math.max(widths[c], row.get(c).length());
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.size(); c++) {
                if (c > 0) line.append("  ");
                String cell = row.get(c);
                // The metric names left-aligned, the figures right-aligned.
                line.append(c == 0 ? pad(cell, widths[c], false) : pad(cell, widths[c], true));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** The metrics as JSON: the counts, each model's means, and each query's figures. */
    public static String json(List<Evaluation.ModelResult> results, EvalPlan plan, int k) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("k", k);
        root.put("queries", plan.queries().size());
        root.put("skipped_without_qrels", plan.skippedNoQrels());
        root.put("without_candidates", plan.withoutCandidates());
        root.put("pairs", plan.pairs());
        List<Object> models = new ArrayList<>();
        for (Evaluation.ModelResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model());
            m.put("seconds", r.seconds());
            m.put("metrics", r.means());
            Map<String, Object> perQuery = new LinkedHashMap<>();
            for (Evaluation.QueryResult q : r.queries()) perQuery.put(q.queryId(), q.metrics());
            m.put("per_query", perQuery);
            models.add(m);
        }
        root.put("models", models);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the reranked run: {@code qid Q0 docid rank score tag}, each score exactly as computed. */
    public static void writeRun(Path file, Evaluation.ModelResult result, String tag) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Evaluation.QueryResult q : result.queries()) {
                int rank = 1;
                for (Evaluation.Ranked d : q.ranking()) {
                    w.write(q.queryId() + " Q0 " + d.docId() + " " + rank++ + " " + d.score() + " " + tag + "\n");
                }
            }
        } catch (IOException e) {
            throw new EvalFormatException(file + ": cannot write: " + e.getMessage());
        }
    }

    static String format(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }
}
