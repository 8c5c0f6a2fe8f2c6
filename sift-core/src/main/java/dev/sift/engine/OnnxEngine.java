package dev.sift.engine;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.sift.graph.BuiltGraph;
import dev.sift.model.ModelException;
import dev.sift.weights.DType;
import dev.sift.weights.TensorData;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One shared {@link OrtSession} for a model. {@link #run} is called only by the scheduler's platform threads
 * ({@link dev.sift.batching.Scheduler}); virtual threads never enter native code here.
 */
public final class OnnxEngine implements AutoCloseable {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    /** Decoder graphs (optimum's text-generation export) take positions too. */
    static final String POSITION_IDS = "position_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS, POSITION_IDS);

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ThreadLocal<InputBuffers> buffers = ThreadLocal.withInitial(InputBuffers::new);
    private final boolean takesAttentionMask;
    private final boolean takesTokenTypes;
    private final boolean takesPositions;
    private final Map<String, Integer> outputRanks;
    /** The external initializers of a built graph; ONNX Runtime reads them until the session is closed. */
    private final List<OnnxTensor> weights;

    private OnnxEngine(OrtEnvironment env, OrtSession session, Set<String> inputs, Map<String, Integer> outputRanks,
                       List<OnnxTensor> weights) {
        this.env = env;
        this.weights = weights;
        this.session = session;
        this.takesAttentionMask = inputs.contains(ATTENTION_MASK);
        this.takesTokenTypes = inputs.contains(TOKEN_TYPE_IDS);
        this.takesPositions = inputs.contains(POSITION_IDS);
        this.outputRanks = outputRanks;
    }

    /** Opens an ONNX graph file. */
    public static OnnxEngine open(Path onnxFile, EngineOptions options) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            session = env.createSession(onnxFile.toString(), so);
        } catch (OrtException e) {
            throw new ModelException("cannot load ONNX graph " + onnxFile + ": " + e.getMessage(), e);
        }
        return inspect(env, session, onnxFile.toString(), List.of());
    }

    /**
     * Opens a graph built from safetensors weights: the checkpoint's mapped bytes become the session's external
     * initializers, so ONNX Runtime reads the weights where they lie instead of from a second copy.
     */
    public static OnnxEngine open(BuiltGraph graph, EngineOptions options) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OnnxTensor> weights = new ArrayList<>(graph.initializers().size());
        OrtSession session;
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            Map<String, OnnxTensorLike> byName = new HashMap<>();
            for (TensorData t : graph.initializers()) {
                OnnxTensor tensor = OnnxTensor.createTensor(env, t.bytes(), t.shape(), javaType(t.dtype()));
                weights.add(tensor);
                byName.put(t.name(), tensor);
            }
            so.addExternalInitializers(byName);
            session = env.createSession(graph.model(), so);
        } catch (OrtException | RuntimeException e) {
            weights.forEach(OnnxTensor::close);
            throw new ModelException("cannot load the " + graph.description() + ": " + e.getMessage(), e);
        }
        return inspect(env, session, graph.description(), weights); // closes the weights itself if it refuses
    }

    private static OnnxJavaType javaType(DType dtype) {
        return switch (dtype) {
            case F32 -> OnnxJavaType.FLOAT;
            case F16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
        };
    }

    private static OrtSession.SessionOptions sessionOptions(EngineOptions options) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        so.setIntraOpNumThreads(options.intraOpThreads());
        so.setInterOpNumThreads(1);
        // Idle ORT threads otherwise spin and burn CPU between requests on a shared server.
        so.addConfigEntry("session.intra_op.allow_spinning", "0");
        return so;
    }

    private static OnnxEngine inspect(OrtEnvironment env, OrtSession session, String onnxFile, List<OnnxTensor> weights) {
        try {
            Map<String, NodeInfo> inputInfo = session.getInputInfo();
            List<String> unknown = inputInfo.keySet().stream().filter(n -> !KNOWN_INPUTS.contains(n)).sorted().toList();
            if (!inputInfo.containsKey(INPUT_IDS) || !unknown.isEmpty()) {
                throw new ModelException("ONNX graph " + onnxFile + " takes inputs " + inputInfo.keySet()
                        + "; Sift feeds input_ids, attention_mask, token_type_ids and position_ids"
                        + (unknown.isEmpty() ? "" : " and cannot supply " + unknown));
            }
            for (var input : inputInfo.entrySet()) {
                if (!(input.getValue().getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.INT64) {
                    throw new ModelException("ONNX graph " + onnxFile + " input " + input.getKey()
                            + " is " + input.getValue().getInfo() + "; Sift feeds int64 tensors");
                }
            }
            Map<String, Integer> outputRanks = new LinkedHashMap<>();
            for (var output : session.getOutputInfo().entrySet()) {
                if (output.getValue().getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT) {
                    outputRanks.put(output.getKey(), t.getShape().length);
                }
            }
            return new OnnxEngine(env, session, inputInfo.keySet(), outputRanks, weights);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            weights.forEach(OnnxTensor::close);
            if (e instanceof ModelException m) throw m;
            throw new ModelException("cannot read ONNX graph " + onnxFile + ": " + e.getMessage(), e);
        }
    }

    /** Float outputs of the graph by name, with their rank (2 for logits, 3 for per-token states or LM logits). */
    public Map<String, Integer> outputRanks() {
        return outputRanks;
    }

    public boolean takesTokenTypes() {
        return takesTokenTypes;
    }

    /**
     * Runs one batch on the calling (platform) thread: the rows are right-padded with {@code padId} to the
     * longest, and only the readout's output is fetched. The input buffers are the calling thread's own.
     */
    public Output run(long[][] ids, long[][] typeIds, long padId, Readout readout) {
        int width = 0;
        for (long[] row : ids) width = Math.max(width, row.length);
        long[] shape = {ids.length, width};
        InputBuffers in = buffers.get();
        in.fill(ids, takesTokenTypes ? typeIds : null, width, padId, takesPositions);
        Map<String, OnnxTensor> inputs = new HashMap<>(4);
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, in.ids(), shape));
            if (takesAttentionMask) inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, in.mask(), shape));
            if (takesTokenTypes) inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, in.types(), shape));
            if (takesPositions) inputs.put(POSITION_IDS, OnnxTensor.createTensor(env, in.positions(), shape));
            try (OrtSession.Result result = session.run(inputs, Set.of(readout.output()))) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                long[] outShape = out.getInfo().getShape();
                FloatBuffer values = out.getFloatBuffer();
                if (readout.lastTokenColumns() != null) return lastToken(values, outShape, ids, readout.lastTokenColumns());
                float[] data = new float[values.remaining()];
                values.get(data);
                int[] dims = new int[outShape.length];
                for (int i = 0; i < dims.length; i++) dims[i] = Math.toIntExact(outShape[i]);
                return new Output(data, dims);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + ids.length + "x" + width + ": "
                    + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The chosen columns of {@code [rows, sequence, vocabulary]} at each row's last real (unpadded) position. */
    private static Output lastToken(FloatBuffer values, long[] shape, long[][] ids, int[] columns) {
        if (shape.length != 3) {
            throw new IllegalStateException("expected [batch, sequence, vocabulary] logits, got " + Arrays.toString(shape));
        }
        long sequence = shape[1];
        long vocabulary = shape[2];
        float[] data = new float[ids.length * columns.length];
        for (int r = 0; r < ids.length; r++) {
            long base = (r * sequence + ids[r].length - 1) * vocabulary;
            for (int c = 0; c < columns.length; c++) data[r * columns.length + c] = values.get(Math.toIntExact(base + columns[c]));
        }
        return new Output(data, new int[] {ids.length, columns.length});
    }

    /** Frees the native session; the scheduler has stopped calling {@link #run} by then. */
    @Override
    public void close() {
        closeQuietly(session);
        weights.forEach(OnnxTensor::close);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // Closing is best effort; the process may be exiting.
        }
    }
}
