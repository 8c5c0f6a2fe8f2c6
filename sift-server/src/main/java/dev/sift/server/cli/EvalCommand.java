package dev.sift.server.cli;

import dev.sift.SiftModel;
import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.hub.HubException;
import dev.sift.model.ModelException;
import dev.sift.model.ModelOptions;
import dev.sift.server.eval.EvalFiles;
import dev.sift.server.eval.EvalFormatException;
import dev.sift.server.eval.EvalPlan;
import dev.sift.server.eval.EvalReport;
import dev.sift.server.eval.Evaluation;
import dev.sift.server.eval.ProgressBar;
import dev.sift.server.eval.Qrels;
import dev.sift.server.eval.SvgPlot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sift eval MODEL [MODEL2] --queries Q --corpus C --qrels R}: reranks each judged query's candidates with the
 * model (or each of two) and prints NDCG@k, MRR@k, Recall@k and Recall@100. See docs/eval.md.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rerank a relevance dataset (BEIR or TREC files) and print NDCG@10, MRR@10 and recall; two"
                + " models side by side.")
public final class EvalCommand implements Callable<Integer> {
    /** The largest corpus reranked whole for every query when no --candidates run is given. */
    static final int MAX_FULL_CORPUS = 10_000;

    @Parameters(index = "0..1", arity = "1..2", paramLabel = "MODEL",
            description = "One or two models: a folder in Hugging Face layout or a Hub id, as for 'sift serve'.")
    List<String> models = new ArrayList<>();

    @Option(names = "--queries", required = true, paramLabel = "FILE",
            description = "Queries: BEIR queries.jsonl ({\"_id\", \"text\"}) or TSV 'qid<TAB>text'.")
    Path queries;

    @Option(names = "--corpus", required = true, paramLabel = "FILE",
            description = "Documents: BEIR corpus.jsonl ({\"_id\", \"title\", \"text\"}; title and text joined) or TSV"
                    + " 'docid<TAB>text'.")
    Path corpus;

    @Option(names = "--qrels", required = true, paramLabel = "FILE",
            description = "Judgments: BEIR 'query-id corpus-id score' (TSV with header) or TREC 'qid 0 docid rel'.")
    Path qrels;

    @Option(names = "--candidates", paramLabel = "RUN",
            description = "First-stage results to rerank, a TREC run 'qid Q0 docid rank score tag'. Default: every"
                    + " corpus document (at most " + MAX_FULL_CORPUS + ").")
    Path candidates;

    @Option(names = "--top-k", paramLabel = "N", defaultValue = "100",
            description = "Candidates per query taken from the run, best first (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--k", paramLabel = "N", defaultValue = "10",
            description = "Cut-off of NDCG, MRR and recall (default: ${DEFAULT-VALUE}); Recall@100 is always reported.")
    int k;

    @Option(names = "--output", paramLabel = "RUN",
            description = "Write the reranked run in TREC format; give it once per model.")
    List<Path> outputs = new ArrayList<>();

    @Option(names = "--plot", paramLabel = "FILE.svg", description = "Write an SVG bar chart of the metrics per model.")
    Path plot;

    @Option(names = "--json", description = "Print the metrics as JSON (with each query's figures) instead of a table.")
    boolean json;

    @Option(names = "--max-model-len", paramLabel = "TOKENS",
            description = "Cap on tokens per pair, at most the model's own limit; accepts 1k for 1024.")
    String maxModelLen;

    @Option(names = "--onnx-file", paramLabel = "PATH", description = "The ONNX graph to run, relative to the model folder.")
    String onnxFile;

    @Option(names = "--int8", description = "Run int8, as 'sift serve --int8' (see docs/int8.md).")
    boolean int8;

    @Option(names = "--weights", paramLabel = "onnx|safetensors|auto", defaultValue = "auto",
            description = "Which weights to run, as for 'sift serve' (default: ${DEFAULT-VALUE}).")
    String weights;

    @Option(names = "--llm-reranker", paramLabel = "FAMILY",
            description = "Run a causal language model as a reranker of this family, as for 'sift serve'.")
    String llmReranker;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "32",
            description = "Most pairs in one batch (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(names = "--max-batch-tokens", paramLabel = "N|auto", defaultValue = "auto",
            converter = ServeCommand.BatchTokens.class,
            description = "Most padded tokens in one batch (default: ${DEFAULT-VALUE}, measured when the model loads).")
    int maxBatchTokens;

    @Option(names = "--intra-op-threads", paramLabel = "N", description = "Threads each batch uses (default: the cores).")
    Integer intraOpThreads;

    @Override
    public Integer call() {
        if (k < 1 || topK < 1) {
            System.err.println("sift: --k and --top-k must be at least 1");
            return 2;
        }
        if (!outputs.isEmpty() && outputs.size() != models.size()) {
            System.err.println("sift: give --output once per model (" + models.size() + "), got " + outputs.size());
            return 2;
        }
        EvalPlan plan;
        try {
            Map<String, String> docs = EvalFiles.readCorpus(corpus);
            Map<String, String> qs = EvalFiles.readQueries(queries);
            Qrels judged = EvalFiles.readQrels(qrels);
            Map<String, List<String>> run = candidates == null ? null : EvalFiles.readRun(candidates, topK);
            plan = EvalPlan.of(docs, qs, judged, run, qrels, candidates, MAX_FULL_CORPUS);
        } catch (EvalFormatException e) {
            System.err.println("sift: " + e.getMessage());
            return 2;
        }
        System.err.printf("sift: %d queries with judgments (%d without, skipped), %d candidate pairs per model%s%n",
                plan.queries().size(), plan.skippedNoQrels(), plan.pairs(),
                plan.withoutCandidates() == 0 ? "" : "; " + plan.withoutCandidates() + " queries have no candidates and score 0");
        List<Evaluation.ModelResult> results = new ArrayList<>();
        try {
            for (String model : models) results.add(evaluate(model, plan));
        } catch (ModelException | HubException | IllegalArgumentException | UnsupportedOperationException e) {
            System.err.println("sift: cannot evaluate the model: " + e.getMessage());
            return 1;
        }
        List<String> metrics = Evaluation.metricNames(k);
        try {
            for (int i = 0; i < outputs.size(); i++) EvalReport.writeRun(outputs.get(i), results.get(i), "sift");
            if (plot != null) {
                write(plot, SvgPlot.render(results, metrics, "Sift eval: " + plan.queries().size() + " queries"));
            }
        } catch (EvalFormatException e) {
            System.err.println("sift: " + e.getMessage());
            return 1;
        }
        System.out.print(json ? EvalReport.json(results, plan, k) : EvalReport.table(results, metrics));
        System.out.flush();
        return 0;
    }

    private Evaluation.ModelResult evaluate(String model, EvalPlan plan) {
        ModelOptions options = new ModelOptions(ServeCommand.parseTokens(maxModelLen), onnxFile, int8,
                ModelSource.llmReranker(llmReranker), ModelSource.weightsFormat(weights));
        ModelSource source = ModelSource.resolve(model, onnxFile, int8, options.weights());
        int threads = intraOpThreads != null ? intraOpThreads : Runtime.getRuntime().availableProcessors();
        try (SiftModel loaded = SiftModel.open(source.dir(), options, new EngineOptions(1, threads),
                new SchedulerOptions(maxBatchSize, maxBatchTokens, Long.MAX_VALUE),
                CacheOptions.DISABLED)) {
            if (!loaded.spec().canScore()) {
                throw new ModelException(source.name() + " is a " + loaded.spec().numLabels() + "-label classifier;"
                        + " eval needs a one-label cross-encoder, an LLM reranker or an embedding model");
            }
            ProgressBar bar = new ProgressBar(System.err, source.name(), plan.queries().size(), ProgressBar.onTerminal());
            return Evaluation.run(source.name(), plan, loaded::score, k, bar);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EvalFormatException(file + ": cannot write: " + e.getMessage());
        }
    }
}
