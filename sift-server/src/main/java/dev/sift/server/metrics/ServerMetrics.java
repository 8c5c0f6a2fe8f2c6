package dev.sift.server.metrics;

import dev.sift.SiftModel;
import dev.sift.batching.SchedulerStats;
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
import java.util.function.ToDoubleFunction;

/**
 * What {@code /metrics} reports to Prometheus: requests by route and status, the scheduler's work (batches,
 * inputs computed and dropped, refusals, real and padded tokens, queue depth), and the JVM's.
 */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Tags model;

    public ServerMetrics(SiftModel siftModel, String modelName) {
        this.model = Tags.of("model", modelName);
        counter(siftModel, "sift.batches", "batches run", SchedulerStats::batches);
        counter(siftModel, "sift.inputs.computed", "inputs (pairs or texts) the model ran", SchedulerStats::inputsComputed);
        counter(siftModel, "sift.inputs.dropped", "queued inputs dropped: their client went away or their deadline passed",
                SchedulerStats::inputsDropped);
        counter(siftModel, "sift.requests.refused", "requests refused with 429 because the queue was full",
                SchedulerStats::requestsRefused);
        counter(siftModel, "sift.tokens.computed", "real tokens run, padding excluded", SchedulerStats::tokensComputed);
        counter(siftModel, "sift.tokens.padded", "tokens run, padding included", SchedulerStats::tokensPadded);
        Gauge.builder("sift.queue.tokens", siftModel, m -> m.stats().queuedTokens()).tags(model)
                .description("tokens waiting for inference").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void counter(SiftModel siftModel, String name, String description, ToDoubleFunction<SchedulerStats> value) {
        FunctionCounter.builder(name, siftModel, m -> value.applyAsDouble(m.stats())).tags(model)
                .description(description).register(registry);
    }

    /** Records one request on a route (the path as registered, so that labels stay few). */
    public void record(String method, String route, int status, long nanos) {
        Timer.builder("sift.http.requests").tags(model).tag("method", method).tag("route", route)
                .tag("status", Integer.toString(status)).publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(2)).register(registry).record(Duration.ofNanos(nanos));
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
