package dev.sift.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.scoring.onnx.OnnxScoringModel;
import dev.sift.SiftModel;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.model.WeightsFormat;
import java.lang.management.ManagementFactory;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed-loop benchmark runner for the Java systems. Usage: {@code BenchMain JOB.json}; prints one line
 * {@code RESULT {...}} on stdout.
 *
 * <p>Job fields: system ({@code sift-api}, {@code ort-ceiling}, {@code lc4j}), model_dir, onnx_file (relative to
 * model_dir), weights ({@code sift-api}: {@code onnx}, or {@code safetensors} for the graph Sift builds), workload (path of a workload JSON written by bench/run.py), concurrency, reps, requests_per_rep,
 * warmup, workers and intra_op_threads (sift-api), threads and batch_size (ort-ceiling), save_scores.
 *
 * <p>Requests are taken in workload order from one shared counter, so every system sees the same sequence.
 */
public final class BenchMain {

    interface Scorer {
        /** Scores request {@code r}; returns the scores, and for the ceiling the seconds spent in session.run. */
        double[] score(Request r, double[] timed) throws Exception;
    }

    record Request(String query, List<String> docs, long[][] ids, long[][] types) {}

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode job = json.readTree(Path.of(args[0]).toFile());
        String system = job.get("system").asText();
        Path modelDir = Path.of(job.get("model_dir").asText());
        String onnxFile = job.path("onnx_file").asText("onnx/model.onnx");
        int concurrency = job.path("concurrency").asInt(1);
        int reps = job.path("reps").asInt(3);
        int perRep = job.path("requests_per_rep").asInt(1);
        int warmup = job.path("warmup").asInt(1);
        int cores = Runtime.getRuntime().availableProcessors();
        boolean saveScores = job.path("save_scores").asBoolean(false);

        JsonNode wl = json.readTree(Path.of(job.get("workload").asText()).toFile());
        List<Request> requests = new ArrayList<>();
        List<JsonNode> nodes = new ArrayList<>();
        wl.get("requests").forEach(nodes::add);
        int timedRequests = nodes.size();
        // After the timed requests: the warm-up requests (same shape, a seed of their own), sent first, untimed.
        wl.get("warmup_requests").forEach(nodes::add);
        for (JsonNode r : nodes) {
            List<String> docs = new ArrayList<>();
            r.get("documents").forEach(d -> docs.add(d.asText()));
            long[][] ids = null, types = null;
            if (system.equals("ort-ceiling")) {
                ids = toLongs(r.get("ids"));
                types = r.has("type_ids") ? toLongs(r.get("type_ids")) : null;
            }
            requests.add(new Request(r.get("query").asText(), docs, ids, types));
        }
        List<Request> warmupRequests = new ArrayList<>(requests.subList(timedRequests, requests.size()));
        requests.subList(timedRequests, requests.size()).clear();
        double warmupSeconds = job.path("warmup_s").asDouble(0);

        ObjectNode config = json.createObjectNode();
        Scorer scorer;
        AutoCloseable closer;
        // sift-api: the scheduler's counters, read after the timed repetitions (mean batch size, padding).
        java.util.function.Supplier<dev.sift.batching.SchedulerStats> stats = null;
        long t0 = System.nanoTime();
        switch (system) {
            case "sift-api" -> {
                int workers = job.path("workers").asInt(1);
                int intra = job.path("intra_op_threads").asInt(cores);
                config.put("workers", workers).put("intra_op_threads", intra);
                // weights "safetensors": the graph Sift builds from model.safetensors (bench/graphs.py); else onnx_file.
                WeightsFormat weights = WeightsFormat.parse(job.path("weights").asText("onnx"));
                config.put("weights", weights.name().toLowerCase(java.util.Locale.ROOT));
                // int8 with safetensors: the int8 graph Sift builds (--int8 --weights safetensors).
                boolean int8 = job.path("int8").asBoolean(false);
                config.put("int8", int8);
                ModelOptions options = weights == WeightsFormat.SAFETENSORS
                        ? new ModelOptions(null, null, int8).withWeights(weights)
                        : new ModelOptions(null, onnxFile, false).withWeights(WeightsFormat.ONNX);
                // The result cache is off, as for `sift serve --cache-size 0`: the workloads repeat requests across
                // repetitions, and the harness measures inference (the cache has a workload of its own).
                SiftModel model = SiftModel.open(modelDir, options, new EngineOptions(workers, intra),
                        dev.sift.batching.SchedulerOptions.DEFAULT, dev.sift.cache.CacheOptions.DISABLED);
                scorer = (r, timed) -> model.score(r.query(), r.docs());
                stats = model::stats;
                closer = model;
            }
            case "lc4j" -> {
                OnnxScoringModel model = new OnnxScoringModel(modelDir.resolve(onnxFile).toString(),
                        modelDir.resolve("tokenizer.json").toString());
                config.put("constructor", "new OnnxScoringModel(pathToModel, pathToTokenizer)");
                scorer = (r, timed) -> {
                    List<TextSegment> segs = new ArrayList<>();
                    for (String d : r.docs()) segs.add(TextSegment.from(d));
                    List<Double> s = model.scoreAll(segs, r.query()).content();
                    double[] out = new double[s.size()];
                    for (int i = 0; i < out.length; i++) out[i] = s.get(i);
                    return out;
                };
                closer = model;
            }
            case "ort-ceiling" -> {
                int threads = job.path("threads").asInt(cores);
                int batchSize = job.path("batch_size").asInt(8);
                config.put("intra_op_threads", threads).put("batch_size", batchSize)
                        .put("optimization_level", "ALL_OPT");
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                so.setIntraOpNumThreads(threads);
                OrtSession session = env.createSession(modelDir.resolve(onnxFile).toString(), so);
                boolean wantsTypes = session.getInputNames().contains("token_type_ids");
                scorer = (r, timed) -> ceiling(env, session, wantsTypes, r, batchSize, timed);
                closer = session;
            }
            default -> throw new IllegalArgumentException("unknown system " + system);
        }
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        // Resident memory once loaded: anonymous (heap, ONNX Runtime's buffers) and file-backed (mapped weights,
        // which the kernel can drop and re-read, shared with the page cache).
        double anonAfterLoad = statusMb("RssAnon:");
        double fileAfterLoad = statusMb("RssFile:");

        // Warm-up, untimed: at least `warmup` requests, and for at least warmup_s seconds.
        // With as many clients as the measurement, so that the code is compiled as the timed requests will run it.
        long warmStart = System.nanoTime();
        AtomicInteger warmed = new AtomicInteger();
        Thread[] warmers = new Thread[concurrency];
        Throwable[] warmFailure = new Throwable[1];
        for (int c = 0; c < concurrency; c++) {
            warmers[c] = new Thread(() -> {
                try {
                    int i;
                    while ((i = warmed.getAndIncrement()) < warmup || (System.nanoTime() - warmStart) / 1e9 < warmupSeconds) {
                        scorer.score(warmupRequests.get(i % warmupRequests.size()), new double[1]);
                    }
                } catch (Throwable t) {
                    warmFailure[0] = t;
                }
            });
            warmers[c].start();
        }
        for (Thread t : warmers) t.join();
        if (warmFailure[0] != null) throw new RuntimeException(warmFailure[0]);

        AtomicInteger next = new AtomicInteger(0);
        ArrayNode repsOut = json.createArrayNode();
        ObjectNode scoresOut = json.createObjectNode();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int rep = 0; rep < reps; rep++) {
            AtomicInteger left = new AtomicInteger(perRep);
            List<double[]> lat = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Integer> done = java.util.Collections.synchronizedList(new ArrayList<>());
            Map<Integer, double[]> scores = java.util.Collections.synchronizedMap(new HashMap<>());
            Throwable[] failure = new Throwable[1];
            long cpu0 = os.getProcessCpuTime();
            long w0 = System.nanoTime();
            Thread[] clients = new Thread[concurrency];
            for (int c = 0; c < concurrency; c++) {
                clients[c] = new Thread(() -> {
                    try {
                        while (left.getAndDecrement() > 0) {
                            int r = next.getAndIncrement() % requests.size();
                            double[] timed = new double[1];
                            long s = System.nanoTime();
                            double[] sc = scorer.score(requests.get(r), timed);
                            double seconds = system.equals("ort-ceiling") ? timed[0] : (System.nanoTime() - s) / 1e9;
                            lat.add(new double[] {seconds});
                            done.add(r);
                            if (saveScores) scores.put(r, sc);
                        }
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                });
                clients[c].start();
            }
            for (Thread t : clients) t.join();
            if (failure[0] != null) throw new RuntimeException(failure[0]);
            double wall = (System.nanoTime() - w0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            ObjectNode o = repsOut.addObject();
            if (system.equals("ort-ceiling")) {
                // Only session.run is timed: the rep's time is the sum of run times (concurrency 1).
                double sum = 0;
                for (double[] l : lat) sum += l[0];
                o.put("wall_s", sum).put("elapsed_s", wall);
            } else {
                o.put("wall_s", wall);
            }
            o.put("cpu_s", cpu);
            ArrayNode ls = o.putArray("latencies_s");
            for (double[] l : lat) ls.add(l[0]);
            ArrayNode ds = o.putArray("requests");
            for (int d : done) ds.add(d);
            for (var e : scores.entrySet()) {
                ArrayNode a = scoresOut.putArray(Integer.toString(e.getKey()));
                for (double v : e.getValue()) a.add(v);
            }
        }
        ObjectNode out = json.createObjectNode();
        out.put("system", system);
        out.put("load_s", loadSeconds);
        out.set("config", config);
        out.set("reps", repsOut);
        out.put("peak_rss_mb", peakRssMb());
        out.put("rss_anon_after_load_mb", anonAfterLoad).put("rss_file_after_load_mb", fileAfterLoad);
        out.put("java_version", System.getProperty("java.version"));
        out.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        out.put("onnxruntime_version", OrtEnvironment.getEnvironment().getVersion());
        if (saveScores) out.set("scores", scoresOut);
        if (stats != null) {
            dev.sift.batching.SchedulerStats st = stats.get();
            out.putObject("scheduler").put("batches", st.batches()).put("inputs", st.inputsComputed())
                    .put("tokens", st.tokensComputed()).put("tokens_padded", st.tokensPadded());
        }
        closer.close();
        System.out.println("RESULT " + json.writeValueAsString(out));
        System.out.flush();
        System.exit(0);
    }

    /** Ideal batches: inputs sorted longest first, cut into batches of batchSize, each padded to its longest. */
    static double[] ceiling(OrtEnvironment env, OrtSession session, boolean wantsTypes, Request req, int batchSize,
                            double[] timed) throws Exception {
        int n = req.ids().length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Integer.compare(req.ids()[b].length, req.ids()[a].length));
        double[] scores = new double[n];
        double spent = 0;
        for (int start = 0; start < n; start += batchSize) {
            int rows = Math.min(batchSize, n - start);
            int width = req.ids()[order[start]].length;
            long[] ids = new long[rows * width], mask = new long[rows * width], types = new long[rows * width];
            for (int r = 0; r < rows; r++) {
                long[] src = req.ids()[order[start + r]];
                System.arraycopy(src, 0, ids, r * width, src.length);
                Arrays.fill(mask, r * width, r * width + src.length, 1L);
                if (req.types() != null) System.arraycopy(req.types()[order[start + r]], 0, types, r * width, src.length);
            }
            long[] shape = {rows, width};
            Map<String, OnnxTensor> in = new HashMap<>();
            try (OnnxTensor tIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                 OnnxTensor tMask = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                 OnnxTensor tTypes = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)) {
                in.put("input_ids", tIds);
                in.put("attention_mask", tMask);
                if (wantsTypes) in.put("token_type_ids", tTypes);
                long s = System.nanoTime();
                try (OrtSession.Result res = session.run(in)) {
                    spent += (System.nanoTime() - s) / 1e9;
                    float[][] logits = (float[][]) res.get(0).getValue();
                    for (int r = 0; r < rows; r++) scores[order[start + r]] = 1 / (1 + Math.exp(-logits[r][0]));
                }
            }
        }
        timed[0] = spent;
        return scores;
    }

    static long[][] toLongs(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = rows.get(i);
            out[i] = new long[row.size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = row.get(j).asLong();
        }
        return out;
    }

    static double peakRssMb() {
        return statusMb("VmHWM:");
    }

    /** A /proc/self/status memory line in MB (VmHWM, RssAnon, RssFile), or -1 where there is none. */
    static double statusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }
}
