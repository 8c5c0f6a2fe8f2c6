package dev.sift.server.metrics;

import dev.sift.SiftModel;
import dev.sift.batching.SchedulerStats;
import dev.sift.cache.CacheStats;
import dev.sift.server.http.ServedModel;
import dev.sift.server.http.ServedModels;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * What {@code /metrics} reports to Prometheus: requests by route and status, the scheduler's work (batches,
 * inputs computed and dropped, refusals, real and padded tokens, queue depth), the result cache's hits, misses,
 * evictions and size, vLLM's request gauges and latency histogram, each labelled with its model; the memory each model's
 * loading took; and the JVM's.
 */
public final class ServerMetrics {
    /** vLLM's buckets for {@code vllm:e2e_request_latency_seconds}, in seconds. */
    static final double[] VLLM_LATENCY_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
            50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String firstModel;
    private Object held;

    public ServerMetrics(ServedModels models) {
        this.firstModel = models.first().name();
        for (ServedModel served : models.all()) modelMetrics(served);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void modelMetrics(ServedModel served) {
        SiftModel siftModel = served.model();
        Tags model = Tags.of("model", served.name());
        counter(siftModel, model, "sift.batches", "batches run", SchedulerStats::batches);
        counter(siftModel, model, "sift.inputs.computed", "inputs (pairs or texts) the model ran", SchedulerStats::inputsComputed);
        counter(siftModel, model, "sift.inputs.dropped", "queued inputs dropped: their client went away or their deadline passed",
                SchedulerStats::inputsDropped);
        counter(siftModel, model, "sift.requests.refused", "requests refused with 429 because the queue was full",
                SchedulerStats::requestsRefused);
        counter(siftModel, model, "sift.tokens.computed", "real tokens run, padding excluded", SchedulerStats::tokensComputed);
        counter(siftModel, model, "sift.tokens.padded", "tokens run, padding included", SchedulerStats::tokensPadded);
        Gauge.builder("sift.queue.tokens", siftModel, m -> m.stats().queuedTokens()).tags(model)
                .description("tokens waiting for inference").register(registry);
        if (served.residentBytes() >= 0) {
            Gauge.builder("sift.model.resident", served, ServedModel::residentBytes).tags(model).baseUnit("bytes")
                    .description("resident memory the model's loading added to the process (session, weights,"
                            + " tokenizer, warm-up), measured when it loaded").register(registry);
        }
        cacheMetrics(siftModel, model);
        vllmMetrics(siftModel, served.name());
    }

    /**
     * The result cache, labelled with what it holds ({@code cache="score"} or {@code "embedding"}); a classifier
     * caches nothing and reports none. Hits and misses count distinct inputs of a request, each looked up once.
     */
    private void cacheMetrics(SiftModel siftModel, Tags model) {
        String kind = siftModel.cacheStats().kind();
        if (kind.equals("none")) return;
        Tags tags = model.and("cache", kind);
        cacheCounter(siftModel, tags, "sift.cache.hits", "inputs answered from the result cache, with no inference",
                CacheStats::hits);
        cacheCounter(siftModel, tags, "sift.cache.misses", "inputs not in the result cache, so computed", CacheStats::misses);
        cacheCounter(siftModel, tags, "sift.cache.evictions", "entries dropped, least recently used first, to stay under"
                + " --cache-size", CacheStats::evictions);
        Gauge.builder("sift.cache.entries", siftModel, m -> m.cacheStats().entries()).tags(tags)
                .description("entries in the result cache").register(registry);
        Gauge.builder("sift.cache.size.bytes", siftModel, m -> m.cacheStats().bytes()).tags(tags)
                .description("estimated bytes the result cache holds").register(registry);
        Gauge.builder("sift.cache.max.bytes", siftModel, m -> m.cacheStats().maxBytes()).tags(tags)
                .description("the result cache's bound, --cache-size; 0 when off").register(registry);
    }

    private void cacheCounter(SiftModel siftModel, Tags tags, String name, String description,
                              ToDoubleFunction<CacheStats> value) {
        FunctionCounter.builder(name, siftModel, m -> value.applyAsDouble(m.cacheStats())).tags(tags)
                .description(description).register(registry);
    }

    /**
     * vLLM's names and labels (vllm/v1/metrics/loggers.py), so that KEDA and HPA recipes written for vLLM read Sift
     * unchanged. As in vLLM, where each pair or text of a pooling request is a request of its own to the engine,
     * they count inputs: a 100-document rerank is 100 (or 101, for an embedding model, with its query) requests.
     */
    private void vllmMetrics(SiftModel siftModel, String modelName) {
        Tags vllm = Tags.of("model_name", modelName, "engine", "0");
        Gauge.builder("vllm:num_requests_running", siftModel, m -> m.stats().runningInputs()).tags(vllm)
                .description("inputs in the batches running now").register(registry);
        Gauge.builder("vllm:num_requests_waiting", siftModel, m -> m.stats().queuedInputs()).tags(vllm)
                .description("inputs queued for inference").register(registry);
        Duration[] buckets = new Duration[VLLM_LATENCY_BUCKETS.length];
        for (int i = 0; i < buckets.length; i++) buckets[i] = Duration.ofMillis(Math.round(VLLM_LATENCY_BUCKETS[i] * 1000));
        Timer latency = Timer.builder("vllm:e2e_request_latency").tags(vllm).serviceLevelObjectives(buckets)
                .description("each input's latency, from its request's queueing to its result").register(registry);
        siftModel.onInputDone(nanos -> latency.record(nanos, TimeUnit.NANOSECONDS));
    }

    private void counter(SiftModel siftModel, Tags model, String name, String description, ToDoubleFunction<SchedulerStats> value) {
        FunctionCounter.builder(name, siftModel, m -> value.applyAsDouble(m.stats())).tags(model)
                .description(description).register(registry);
    }

    /** Counts the connections the server closed because their request arrived too slowly (slowloris). */
    public void slowRequestsClosed(LongSupplier count) {
        held = count; // a function counter holds its object weakly
        FunctionCounter.builder("sift.slow.requests.closed", count, LongSupplier::getAsLong)
                .description("connections closed because their request had not arrived in full within --request-read-timeout")
                .register(registry);
    }

    /**
     * Records one request on a route (the path as registered, so that labels stay few), labelled with the model it
     * went to, or, for a route that goes to none (/health, /metrics), the first.
     */
    public void record(String model, String method, String route, int status, long nanos) {
        Timer.builder("sift.http.requests").tag("model", model == null ? firstModel : model).tag("method", method).tag("route", route)
                .tag("status", Integer.toString(status)).publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(2)).register(registry).record(Duration.ofNanos(nanos));
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
