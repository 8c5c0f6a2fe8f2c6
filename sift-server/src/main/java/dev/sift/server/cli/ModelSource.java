package dev.sift.server.cli;

import dev.sift.hub.HubDownloader;
import dev.sift.hub.HubReference;
import dev.sift.hub.HubSettings;
import dev.sift.model.LlmReranker;
import dev.sift.model.ModelException;
import dev.sift.model.WeightsFormat;
import dev.sift.server.bundled.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a model named on the command line lives: a local folder, a Hugging Face Hub id (fetched into the Hugging
 * Face cache), or the bundled default. Shared by {@code sift serve} and {@code sift eval}.
 *
 * @param dir  the model folder in Hugging Face layout
 * @param name the name to report: the folder as given, the Hub repository id, or the bundled model's id
 */
record ModelSource(Path dir, String name) {

    /**
     * Resolves MODEL as given (null for the bundled model), downloading from the Hub when it is a Hub id.
     *
     * @throws ModelException when it is neither a folder nor a Hub id
     */
    static ModelSource resolve(String source, String onnxFile, boolean int8, WeightsFormat weights) {
        if (source == null || (source.equals(BundledModel.ID) && !Files.isDirectory(Path.of(source)))) {
            return new ModelSource(BundledModel.materialize(ServeCommand.siftHome()), BundledModel.ID);
        }
        if (Files.isDirectory(Path.of(source))) return new ModelSource(Path.of(source), source);
        if (HubReference.parse(source) instanceof HubReference ref) {
            return new ModelSource(new HubDownloader(HubSettings.fromEnvironment()).fetch(ref, onnxFile, int8, weights),
                    ref.repoId());
        }
        throw new ModelException("model folder not found: " + Path.of(source).toAbsolutePath()
                + " (MODEL is a folder in Hugging Face layout or a Hub id such as org/name; without MODEL the bundled "
                + BundledModel.ID + " is served)");
    }

    /** --weights: onnx, safetensors or auto. */
    static WeightsFormat weightsFormat(String weights) {
        try {
            return WeightsFormat.parse(weights);
        } catch (IllegalArgumentException e) {
            throw new ModelException("--weights " + weights + ": choose onnx, safetensors or auto");
        }
    }

    /** --llm-reranker FAMILY, or null when not given. */
    static LlmReranker llmReranker(String family) {
        if (family == null) return null;
        return LlmReranker.named(family).orElseThrow(() -> new ModelException("--llm-reranker " + family
                + " is not a known family; choose one of " + LlmReranker.ids()));
    }
}
