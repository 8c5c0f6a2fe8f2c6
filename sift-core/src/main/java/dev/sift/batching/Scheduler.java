package dev.sift.batching;

import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Output;
import dev.sift.engine.Readout;
import dev.sift.tokenize.Encoded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * One queue per model, drained by a fixed set of platform threads that run the engine. A batch starts with the
 * oldest queued input and takes in any other queued input (of any request) that is no longer than it, while the
 * batch stays under the token budget and the size cap: inputs merge across requests without adding padding, and
 * a request's own inputs (queued longest first) fill batches of near-equal length.
 *
 * <p>When more than {@code maxQueuedTokens} wait, new requests are refused at once with an estimate of when to
 * retry, so that accepted requests keep their latency. Inputs of a request that was cancelled (its caller was
 * interrupted, or its client went away) or whose deadline passed are dropped, never computed.
 */
public final class Scheduler implements AutoCloseable {

    /** How far past the head a batch looks for inputs to take in. */
    private static final int SCAN_LIMIT = 1024;
    /**
     * An input joins a batch only if padding it to the batch's width wastes at most an eighth of that width. On
     * CPU, batch size barely changes throughput while padding is pure waste: on MS MARCO-like requests this took
     * padding from 25% to 6% of the tokens run and raised pairs/s by about 20% (docs/benchmarks.md).
     */
    private static final int MAX_PADDING_EIGHTHS = 1;

    private final OnnxEngine engine;
    private final SchedulerOptions options;
    private final long padTokenId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final LinkedList<Item> queue = new LinkedList<>();
    private final List<Thread> workers = new ArrayList<>();
    private long queuedTokens;
    private long queuedInputs;
    private boolean closed;
    private final AtomicInteger runningInputs = new AtomicInteger();
    private volatile LongConsumer inputLatency = nanos -> { };
    /** Recent throughput in tokens per second (exponentially smoothed), for Retry-After. */
    private volatile double tokensPerSecond = 10_000;
    private final LongAdder batches = new LongAdder();
    private final LongAdder inputsComputed = new LongAdder();
    private final LongAdder inputsDropped = new LongAdder();
    private final LongAdder requestsRefused = new LongAdder();
    private final LongAdder tokensComputed = new LongAdder();
    private final LongAdder tokensPadded = new LongAdder();

    public Scheduler(OnnxEngine engine, SchedulerOptions options, int workerCount, long padTokenId) {
        if (workerCount < 1) throw new IllegalArgumentException("the scheduler needs at least one inference thread");
        if (options.measuresBatchTokens()) throw new IllegalArgumentException("measure the token budget first (BatchBudget)");
        this.engine = engine;
        this.options = options;
        this.padTokenId = padTokenId;
        for (int i = 0; i < workerCount; i++) {
            workers.add(Thread.ofPlatform().name("sift-inference-" + i).daemon(true).start(this::work));
        }
    }

    public SchedulerOptions options() {
        return options;
    }

    /** Refuses at once, before any tokenizing, when the queue is already full. */
    public void admit() {
        long queued = queuedTokens();
        if (queued >= options.maxQueuedTokens()) throw refuse(queued);
    }

    private OverloadedException refuse(long queued) {
        requestsRefused.increment();
        return new OverloadedException(queued, retryAfter(queued));
    }

    public SchedulerStats stats() {
        long tokens;
        long inputs;
        lock.lock();
        try {
            tokens = queuedTokens;
            inputs = queuedInputs;
        } finally {
            lock.unlock();
        }
        return new SchedulerStats(batches.sum(), inputsComputed.sum(), inputsDropped.sum(), requestsRefused.sum(),
                tokensComputed.sum(), tokensPadded.sum(), tokens, inputs, runningInputs.get());
    }

    public long queuedTokens() {
        lock.lock();
        try {
            return queuedTokens;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called on an inference thread with each computed input's latency in nanoseconds, from when its request queued it
     * until its result was handed over; one listener at a time, replacing the last. It must be quick.
     */
    public void onInputDone(LongConsumer nanos) {
        inputLatency = nanos;
    }

    /**
     * Queues a request's inputs and waits until each has been handed to {@code sink}.
     *
     * @param timeout how long the request may wait in all, or null for no deadline
     * @throws OverloadedException if the queue is full
     * @throws DeadlineExceededException if the deadline passes first
     * @throws CancellationException if the calling thread is interrupted (its inputs are dropped)
     */
    public void run(List<Encoded> inputs, Readout readout, RowSink sink, Duration timeout) {
        if (inputs.isEmpty()) return;
        Job job = new Job(inputs.size(), readout, sink);
        // Longest first, so that a request's inputs fill batches of near-equal length from the head.
        Integer[] order = new Integer[inputs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Integer.compare(inputs.get(b).length(), inputs.get(a).length()));
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("the model is closed");
            // Checked again under the lock: admit() ran before tokenizing. An accepted request may overshoot the
            // bound by its own size, but a full queue takes nothing more.
            if (queuedTokens >= options.maxQueuedTokens()) throw refuse(queuedTokens);
            for (int i : order) {
                queue.add(new Item(job, i, inputs.get(i)));
                queuedTokens += inputs.get(i).length();
            }
            queuedInputs += order.length;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            if (timeout == null) job.done.get();
            else job.done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            job.cancelled = true;
            Thread.currentThread().interrupt();
            throw new CancellationException("request cancelled");
        } catch (TimeoutException e) {
            job.cancelled = true;
            throw new DeadlineExceededException(timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw new IllegalStateException(e.getCause());
        }
    }

    private void work() {
        while (true) {
            List<Item> batch;
            try {
                batch = take();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) return;
            runningInputs.addAndGet(batch.size());
            try {
                runBatch(batch);
            } finally {
                runningInputs.addAndGet(-batch.size());
            }
        }
    }

    /** Runs one batch and hands each input its result, or the failure to its request. */
    private void runBatch(List<Item> batch) {
        long start = System.nanoTime();
        int tokens = 0;
        long[][] ids = new long[batch.size()][];
        long[][] types = new long[batch.size()][];
        for (int r = 0; r < ids.length; r++) {
            Encoded e = batch.get(r).input;
            ids[r] = e.ids();
            types[r] = e.typeIds();
            tokens += e.length();
        }
        batches.increment();
        inputsComputed.add(ids.length);
        tokensComputed.add(tokens);
        // Batches are led by their longest input, so the padded size is rows times the first row.
        tokensPadded.add((long) ids.length * ids[0].length);
        Output output;
        try {
            output = engine.run(ids, types, padTokenId, batch.get(0).job.readout);
        } catch (RuntimeException failure) {
            for (Item item : batch) item.job.done.completeExceptionally(failure);
            return;
        }
        LongConsumer latency = inputLatency;
        for (int r = 0; r < ids.length; r++) {
            Item item = batch.get(r);
            try {
                item.job.sink.accept(item.index, output, r, item.input.length());
                latency.accept(System.nanoTime() - item.job.queuedAt);
                if (item.job.remaining.decrementAndGet() == 0) item.job.done.complete(null);
            } catch (RuntimeException failure) {
                item.job.done.completeExceptionally(failure);
            }
        }
        double seconds = Math.max((System.nanoTime() - start) / 1e9, 1e-6);
        tokensPerSecond = 0.8 * tokensPerSecond + 0.2 * (tokens / seconds);
    }

    /** The next batch, or null once closed and drained. */
    private List<Item> take() throws InterruptedException {
        lock.lock();
        try {
            Item head;
            while (true) {
                head = queue.poll();
                if (head != null) {
                    queuedTokens -= head.input.length();
                    queuedInputs--;
                    if (head.job.cancelled) {
                        inputsDropped.increment();
                        continue;
                    }
                    break;
                }
                if (closed) return null;
                notEmpty.await();
            }
            List<Item> batch = new ArrayList<>();
            batch.add(head);
            int width = Math.max(1, head.input.length());
            int scanned = 0;
            for (Iterator<Item> it = queue.iterator(); it.hasNext() && scanned < SCAN_LIMIT
                    && batch.size() < options.maxBatchSize(); scanned++) {
                Item item = it.next();
                if (item.job.cancelled) {
                    it.remove();
                    queuedTokens -= item.input.length();
                    queuedInputs--;
                    inputsDropped.increment();
                } else if (item.input.length() <= width && item.input.length() >= width - width * MAX_PADDING_EIGHTHS / 8
                        && item.job.readout.equals(head.job.readout)
                        && (long) (batch.size() + 1) * width <= options.maxBatchTokens()) {
                    it.remove();
                    queuedTokens -= item.input.length();
                    queuedInputs--;
                    batch.add(item);
                }
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private int retryAfter(long queued) {
        return (int) Math.max(1, Math.min(60, Math.ceil(queued / Math.max(tokensPerSecond, 1))));
    }

    /** Finishes what is queued, then stops the inference threads. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread worker : workers) {
            try {
                worker.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One request's inputs in flight. */
    private static final class Job {
        final AtomicInteger remaining;
        final Readout readout;
        final RowSink sink;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final long queuedAt = System.nanoTime();
        volatile boolean cancelled;

        Job(int inputs, Readout readout, RowSink sink) {
            this.remaining = new AtomicInteger(inputs);
            this.readout = readout;
            this.sink = sink;
        }
    }

    private record Item(Job job, int index, Encoded input) {}
}
