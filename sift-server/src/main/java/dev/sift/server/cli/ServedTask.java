package dev.sift.server.cli;

import dev.sift.model.ModelException;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.server.api.pooling.PoolingApi;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * vLLM's {@code --task}, which KServe's reranking guide still passes ({@code --task=score}): the task the deployment
 * expects of its model. Sift tells the task from the model itself, so the flag only checks it, and a model that cannot
 * serve it stops start-up instead of answering 404 on every request later.
 */
enum ServedTask {
    SCORE, RERANK, EMBED, CLASSIFY;

    static ServedTask named(String name) {
        for (ServedTask task : values()) {
            if (task.id().equals(name.trim().toLowerCase(Locale.ROOT))) return task;
        }
        throw new ModelException("--task " + name + ": Sift serves " + String.join(", ", ids())
                + " (the model decides which; --task only checks it)");
    }

    static List<String> ids() {
        return Arrays.stream(values()).map(ServedTask::id).toList();
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    boolean servedBy(ModelSpec spec) {
        return switch (this) {
            case SCORE, RERANK -> spec.canScore();
            case EMBED -> spec.task() == ModelTask.EMBEDDING;
            case CLASSIFY -> PoolingApi.classifies(spec);
        };
    }

    /** Refuses a model that cannot serve this task, naming what it is and what it can serve. */
    void check(ModelSpec spec, String modelName) {
        if (servedBy(spec)) return;
        List<String> served = Arrays.stream(values()).filter(t -> t.servedBy(spec)).map(ServedTask::id).toList();
        throw new ModelException("--task " + id() + " needs " + needs() + "; " + modelName + " is " + describe(spec.task())
                + ", which serves " + String.join(", ", served));
    }

    private String needs() {
        return switch (this) {
            case SCORE, RERANK -> "a cross-encoder, an LLM reranker or an embedding model";
            case EMBED -> "an embedding model";
            case CLASSIFY -> "a sequence classifier or a cross-encoder";
        };
    }

    private static String describe(ModelTask task) {
        return switch (task) {
            case CROSS_ENCODER -> "a cross-encoder";
            case EMBEDDING -> "an embedding model";
            case CLASSIFIER -> "a multi-label classifier";
            case LLM_RERANKER -> "an LLM reranker";
        };
    }
}
