package dev.sift.model;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything Sift needs to know about a model, read once from its folder.
 *
 * @param directory      the folder in Hugging Face layout
 * @param architecture   {@code architectures[0]} from config.json
 * @param modelType      {@code model_type} from config.json
 * @param task           what the model computes
 * @param maxLength      the effective maximum number of tokens per input (a pair for a cross-encoder)
 * @param labels         label names by index ({@code id2label}); one entry for a cross-encoder
 * @param activation     applied to logits for classifiers and cross-encoders; unused for embeddings
 * @param pooling        how hidden states are pooled; null unless the task is {@link ModelTask#EMBEDDING}
 * @param normalize      whether embeddings are L2-normalised (sentence-transformers' Normalize module)
 * @param padTokenId     the id used to pad a batch
 * @param vocabSize      token ids run from 0 to this (exclusive); 0 when config.json does not say
 * @param tokenizerFile  tokenizer.json
 * @param onnxFile       the ONNX graph, or null when Sift builds the graph from the safetensors checkpoint
 * @param llmReranker    the prompt and score rule of an LLM reranker; null unless the task is
 *                       {@link ModelTask#LLM_RERANKER}
 * @param int8Built      whether the graph Sift builds has int8 linear layers (--int8 without a shipped int8 graph)
 */
public record ModelSpec(
        Path directory,
        String architecture,
        String modelType,
        ModelTask task,
        int maxLength,
        List<String> labels,
        Activation activation,
        Pooling pooling,
        boolean normalize,
        long padTokenId,
        int vocabSize,
        Path tokenizerFile,
        Path onnxFile,
        LlmReranker llmReranker,
        boolean int8Built) {

    public ModelSpec {
        labels = List.copyOf(labels);
    }

    /** Whether the graph is built from the folder's safetensors weights rather than read from an ONNX file. */
    public boolean buildsGraph() {
        return onnxFile == null;
    }

    /** The weights that run, relative to the folder, for logs. */
    public String weightsDescription() {
        if (onnxFile != null) return directory.relativize(onnxFile).toString();
        return int8Built ? "int8 graph built from safetensors" : "graph built from safetensors";
    }

    /**
     * Whether an LLM reranker is a {@code *ForSequenceClassification} conversion (such as
     * tomaarsen/Qwen3-Reranker-0.6B-seq-cls): its one-label classifier gives the raw score, in place of answer tokens.
     */
    public boolean llmClassifier() {
        return task == ModelTask.LLM_RERANKER && architecture.endsWith("ForSequenceClassification");
    }

    public int numLabels() {
        return labels.size();
    }

    /** True where the score/rerank APIs apply: a one-label cross-encoder, an LLM reranker or an embedding model. */
    public boolean canScore() {
        return task != ModelTask.CLASSIFIER;
    }
}
