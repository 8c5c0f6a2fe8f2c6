package dev.sift.graph;

import com.google.protobuf.ByteString;
import dev.sift.graph.onnx.OnnxIr.GraphProto;
import dev.sift.graph.onnx.OnnxIr.ModelProto;
import dev.sift.graph.onnx.OnnxIr.NodeProto;
import dev.sift.graph.onnx.OnnxIr.OperatorSetIdProto;
import dev.sift.graph.onnx.OnnxIr.StringStringEntryProto;
import dev.sift.graph.onnx.OnnxIr.TensorProto;
import dev.sift.graph.onnx.OnnxIr.TensorProto.DataType;
import dev.sift.graph.onnx.OnnxIr.TensorShapeProto;
import dev.sift.graph.onnx.OnnxIr.TypeProto;
import dev.sift.graph.onnx.OnnxIr.ValueInfoProto;
import dev.sift.model.ModelException;
import dev.sift.weights.Checkpoint;
import dev.sift.weights.DType;
import dev.sift.weights.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes an ONNX graph one operator at a time. Values are named by strings; each method returns the name of the
 * value it made. Checkpoint tensors become external initializers: the graph only declares them, and ONNX Runtime
 * is handed their memory-mapped bytes ({@link BuiltGraph}). Half-precision weights are cast to float32 inside the
 * graph, a cast that ONNX Runtime folds once at load, so every kernel computes in float32. An int8 builder
 * ({@link #int8()}) also has linear layers' weights quantized at load ({@link #int8Weight}), kept inside the graph.
 */
public final class GraphBuilder {

    /** ONNX opset 17 has LayerNormalization; ONNX Runtime's contrib operators live in their own domain. */
    private static final int OPSET = 17;
    private static final int IR_VERSION = 8;
    public static final String MS_DOMAIN = "com.microsoft";

    private final Checkpoint checkpoint;
    private final Set<Fusion> fusions;
    private final boolean int8;
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("sift");
    private final List<TensorData> external = new ArrayList<>();
    /** The checkpoint's tensors declared as initializers, by name. */
    private final Map<String, TensorData> initializers = new HashMap<>();
    /** Each weight's float32 value: the initializer itself, or its Cast. */
    private final Map<String, String> weights = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();
    private final Map<String, Int8Weight> int8Weights = new HashMap<>();
    private int counter;

    public GraphBuilder(Checkpoint checkpoint, Set<Fusion> fusions) {
        this(checkpoint, fusions, false);
    }

    /** @param int8 whether linear layers run ONNX Runtime's int8 kernels on weights quantized at load */
    public GraphBuilder(Checkpoint checkpoint, Set<Fusion> fusions, boolean int8) {
        this.checkpoint = checkpoint;
        this.fusions = Set.copyOf(fusions);
        this.int8 = int8;
    }

    /** Whether linear layers are to be emitted as int8 operators on {@link #int8Weight}s. */
    public boolean int8() {
        return int8;
    }

    /** Whether the fused operator may be emitted. */
    public boolean fuses(Fusion fusion) {
        return fusions.contains(fusion);
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    // ---- graph inputs and outputs ----

    /** An int64 input of shape [batch, sequence], as Sift feeds input_ids, attention_mask and token_type_ids. */
    public String tokenInput(String name) {
        graph.addInput(valueInfo(name, DataType.INT64, "batch", "sequence"));
        return name;
    }

    /** Names {@code value} as a float output with the given symbolic or fixed dimensions. */
    public void output(String name, String value, Object... dims) {
        node("Identity", List.of(value), List.of(name), List.of(), "");
        graph.addOutput(valueInfo(name, DataType.FLOAT, dims));
    }

    private static ValueInfoProto valueInfo(String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof Number n) shape.addDimBuilder().setDimValue(n.longValue());
            else shape.addDimBuilder().setDimParam(d.toString());
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    // ---- weights and constants ----

    /**
     * The float32 value of checkpoint tensor {@code name}, which must have {@code shape} (the shape the
     * configuration implies).
     *
     * @throws ModelException naming the tensor when it is missing or shaped otherwise
     */
    public String weight(String name, long... shape) {
        String known = weights.get(name);
        if (known != null) return known;
        TensorData t = initializer(name, shape);
        String value = t.dtype() == DType.F32 ? name : op("Cast", List.of(Attr.i("to", DataType.FLOAT_VALUE)), name);
        weights.put(name, value);
        return value;
    }

    /**
     * Rows {@code indices} of the table {@code name} [rows, width] as float32: gathered in the checkpoint's dtype and
     * then cast, so a half-precision embedding table or LM head is never copied whole to float32 (151,669 x 1,024
     * floats, 621 MB, for Qwen3's); only the rows a batch reads are.
     */
    public String rows(String name, long rows, long width, String indices) {
        TensorData t = initializer(name, rows, width);
        String gathered = gather(name, indices, 0);
        return t.dtype() == DType.F32 ? gathered : op("Cast", List.of(Attr.i("to", DataType.FLOAT_VALUE)), gathered);
    }

    /** Declares the checkpoint's tensor {@code name} as an initializer of the graph, once, checking its shape. */
    private TensorData initializer(String name, long... shape) {
        TensorData known = initializers.get(name);
        if (known != null) return known;
        TensorData t = tensor(name, shape);
        external.add(t);
        TensorProto.Builder proto = TensorProto.newBuilder().setName(name).setDataType(dataType(t.dtype()).getNumber())
                // The tensor's place in its safetensors file, so the graph is valid ONNX beside the checkpoint (see
                // GraphDump); when Sift runs it, ONNX Runtime is handed the mapped bytes instead of reading the file.
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", t.file()))
                .addExternalData(entry("offset", Long.toString(t.offset())))
                .addExternalData(entry("length", Long.toString(t.bytes().capacity())));
        for (long d : shape) proto.addDims(d);
        graph.addInitializer(proto);
        initializers.put(name, t);
        return t;
    }

    /** The checkpoint's tensor {@code name}, refused unless it has {@code shape}. */
    private TensorData tensor(String name, long... shape) {
        TensorData t = checkpoint.tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelException("tensor " + name + " in " + checkpoint.directory() + " has shape "
                    + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        return t;
    }

    /**
     * A linear layer's weight quantized to int8 as ONNX Runtime's integer GEMMs take it.
     *
     * @param values the int8 [in, out] initializer (the transposed layout of MatMul's B)
     * @param scales the float32 [out] initializer of per-output-channel scales; zero points are 0
     */
    public record Int8Weight(String values, String scales) {}

    /**
     * The checkpoint's linear weight {@code name} ([out, in], any float dtype) quantized by {@link Int8Weights} when
     * the graph is built, once; its int8 values and scales are stored inside the graph, not mapped from the file.
     */
    public Int8Weight int8Weight(String name, long out, long in) {
        Int8Weight known = int8Weights.get(name);
        if (known != null) return known;
        Int8Weights.Quantized q = Int8Weights.quantize(tensor(name, out, in), Int8Weights.levels());
        Int8Weight w = new Int8Weight(inline(name + ".int8", DataType.INT8, q.values(), in, out),
                inline(name + ".scale", DataType.FLOAT, littleEndian(q.scales()), out));
        int8Weights.put(name, w);
        return w;
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /** Whether the checkpoint holds {@code name}. */
    public boolean has(String name) {
        return checkpoint.has(name);
    }

    /** A linear layer's weight ([out, in] in the checkpoint) transposed to [in, out] for MatMul; folded at load. */
    public String weightT(String name, long out, long in) {
        return transpose(weight(name, out, in), 1, 0);
    }

    private static DataType dataType(DType dtype) {
        return switch (dtype) {
            case F32 -> DataType.FLOAT;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
        };
    }

    /** A 1-D int64 constant (shapes, axes, indices). */
    public String ints(long... values) {
        String key = "i" + Arrays.toString(values);
        return constants.computeIfAbsent(key, k -> {
            TensorProto.Builder t = TensorProto.newBuilder().setName(fresh("const")).setDataType(DataType.INT64_VALUE)
                    .addDims(values.length);
            for (long v : values) t.addInt64Data(v);
            graph.addInitializer(t);
            return t.getName();
        });
    }

    /** A scalar int64 constant. */
    public String scalarInt(long value) {
        return constants.computeIfAbsent("si" + value, k -> {
            TensorProto t = TensorProto.newBuilder().setName(fresh("const")).setDataType(DataType.INT64_VALUE)
                    .addInt64Data(value).build();
            graph.addInitializer(t);
            return t.getName();
        });
    }

    /** A scalar float constant. */
    public String scalar(float value) {
        return constants.computeIfAbsent("f" + Float.floatToIntBits(value), k -> {
            TensorProto t = TensorProto.newBuilder().setName(fresh("const")).setDataType(DataType.FLOAT_VALUE)
                    .addFloatData(value).build();
            graph.addInitializer(t);
            return t.getName();
        });
    }

    /** A float constant computed by Sift (rotary tables, say), stored inside the graph. */
    public String floats(float[] values, long... shape) {
        return inline("table", DataType.FLOAT, littleEndian(values), shape);
    }

    /** An initializer stored inside the graph: {@code raw}, the little-endian bytes of a {@code type} tensor. */
    private String inline(String prefix, DataType type, byte[] raw, long... shape) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(fresh(prefix)).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : shape) t.addDims(d);
        graph.addInitializer(t);
        return t.getName();
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return bytes.array();
    }

    // ---- operators ----

    /** A node of the default ONNX domain with one output. */
    public String op(String type, String... inputs) {
        return op(type, List.of(), inputs);
    }

    public String op(String type, List<Attr> attrs, String... inputs) {
        String out = fresh(type);
        node(type, List.of(inputs), List.of(out), attrs, "");
        return out;
    }

    /** A node with several outputs (Split, say). */
    public String[] ops(String type, int outputs, List<Attr> attrs, String... inputs) {
        String[] outs = new String[outputs];
        for (int i = 0; i < outputs; i++) outs[i] = fresh(type);
        node(type, List.of(inputs), List.of(outs), attrs, "");
        return outs;
    }

    /** A node of ONNX Runtime's contrib domain ({@value #MS_DOMAIN}): its fused CPU kernels. */
    public String contrib(String type, List<Attr> attrs, String... inputs) {
        String out = fresh(type);
        node(type, List.of(inputs), List.of(out), attrs, MS_DOMAIN);
        return out;
    }

    private void node(String type, List<String> inputs, List<String> outputs, List<Attr> attrs, String domain) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(type).setName(fresh("n_" + type))
                .addAllInput(inputs).addAllOutput(outputs);
        if (!domain.isEmpty()) n.setDomain(domain);
        attrs.forEach(a -> n.addAttribute(a.proto()));
        graph.addNode(n);
    }

    private String fresh(String prefix) {
        return prefix + "_" + counter++;
    }

    public String add(String a, String b) {
        return op("Add", a, b);
    }

    public String sub(String a, String b) {
        return op("Sub", a, b);
    }

    public String mul(String a, String b) {
        return op("Mul", a, b);
    }

    public String div(String a, String b) {
        return op("Div", a, b);
    }

    public String matmul(String a, String b) {
        return op("MatMul", a, b);
    }

    public String transpose(String x, long... perm) {
        return op("Transpose", List.of(Attr.ints("perm", perm)), x);
    }

    public String reshape(String x, long... shape) {
        return op("Reshape", x, ints(shape));
    }

    public String unsqueeze(String x, long... axes) {
        return op("Unsqueeze", x, ints(axes));
    }

    public String gather(String data, String indices, long axis) {
        return op("Gather", List.of(Attr.i("axis", axis)), data, indices);
    }

    public String softmax(String x) {
        return op("Softmax", List.of(Attr.i("axis", -1)), x);
    }

    public String castFloat(String x) {
        return op("Cast", List.of(Attr.i("to", DataType.FLOAT_VALUE)), x);
    }

    public String castInt64(String x) {
        return op("Cast", List.of(Attr.i("to", DataType.INT64_VALUE)), x);
    }

    /** Element {@code index} of x's shape, as a scalar. */
    public String dim(String x, long index) {
        return op("Gather", List.of(Attr.i("axis", 0)), op("Shape", x), scalarInt(index));
    }

    /** LayerNormalization over the last axis, with the checkpoint's weight and (when given) bias. */
    public String layerNorm(String x, String weight, String bias, double eps) {
        List<Attr> attrs = List.of(Attr.i("axis", -1), Attr.f("epsilon", (float) eps));
        return bias == null ? op("LayerNormalization", attrs, x, weight) : op("LayerNormalization", attrs, x, weight, bias);
    }

    /**
     * Serializes the graph.
     *
     * @param description what was built, for the log
     */
    public BuiltGraph build(String description) {
        ModelProto model = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("sift")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1))
                .setGraph(graph).build();
        return new BuiltGraph(model.toByteArray(), external, description);
    }
}
