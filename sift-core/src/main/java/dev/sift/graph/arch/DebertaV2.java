package dev.sift.graph.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.graph.Architecture;
import dev.sift.graph.Attr;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.Head;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Activations;
import dev.sift.graph.blocks.Attention;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Linear;
import dev.sift.graph.blocks.Norms;
import dev.sift.graph.onnx.OnnxIr.TensorProto.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * DeBERTa-v2 and v3 (transformers' modeling_deberta_v2.py): BERT's post-norm layers with disentangled attention.
 * Besides content·content, each query scores the key's relative position (c2p) and each key the query's (p2c),
 * against a table of relative-position embeddings indexed by the (log-bucketed) distance i − j. The distance
 * matrix is computed in the graph from the sequence length, so any length works.
 */
public final class DebertaV2 implements Architecture {

    /** transformers fills masked scores with the float32 minimum. */
    private static final float MASKED = -Float.MAX_VALUE;

    @Override
    public void build(ModelConfig c, GraphBuilder g, Head head) {
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        int headDim = c.headDim(hidden, heads);
        if (c.integer("attention_head_size", headDim) != headDim) {
            throw c.unsupported("attention_head_size", c.integer("attention_head_size"),
                    "hidden_size / num_attention_heads");
        }
        int layers = c.integer("num_hidden_layers");
        int intermediate = c.integer("intermediate_size");
        int vocab = c.integer("vocab_size");
        int types = c.integer("type_vocab_size", 0);
        double eps = c.number("layer_norm_eps", 1e-7);
        String act = c.text("hidden_act", "gelu");
        int embedding = c.integer("embedding_size", hidden);
        int maxPositions = c.integer("max_position_embeddings", 512);
        Set<String> posAtt = posAttTypes(c);
        boolean c2p = posAtt.contains("c2p");
        boolean p2c = posAtt.contains("p2c");
        boolean relative = c.flag("relative_attention", false);
        boolean shareKey = c.flag("share_att_key", false);
        int buckets = c.integer("position_buckets", -1);
        int maxRelative = c.integer("max_relative_positions", -1);
        if (maxRelative < 1) maxRelative = maxPositions;
        // transformers' att_span (pos_ebd_size): rel_embeddings has a row for each distance −span .. span−1.
        int span = buckets > 0 ? buckets : maxRelative;
        if (buckets == 1) throw c.unsupported("position_buckets", buckets, "none, or at least 2");
        boolean normRel = Arrays.stream(c.text("norm_rel_ebd", "none").toLowerCase().split("\\|"))
                .map(String::strip).anyMatch("layer_norm"::equals);
        int kernel = c.integer("conv_kernel_size", 0);
        int groups = c.integer("conv_groups", 1);
        // An even kernel shortens the sequence, which transformers' ConvLayer cannot add back either.
        if (kernel > 0 && kernel % 2 == 0) throw c.unsupported("conv_kernel_size", kernel, "0 or odd");
        if (kernel > 0 && (groups < 1 || hidden % groups != 0)) {
            throw c.unsupported("conv_groups", groups, "a divisor of hidden_size");
        }
        if (c.integer("pooler_hidden_size", hidden) != hidden) {
            throw c.unsupported("pooler_hidden_size", c.integer("pooler_hidden_size"), "hidden_size");
        }
        String p = Prefixes.of(g, "embeddings.word_embeddings.weight", List.of("deberta.", ""));

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, p + "embeddings.word_embeddings.weight", vocab, embedding, ids);
        if (c.flag("position_biased_input", true)) {
            x = g.add(x, Embeddings.lookup(g, p + "embeddings.position_embeddings.weight", maxPositions, embedding,
                    Embeddings.positions(g, ids)));
        }
        x = Embeddings.addTokenTypes(g, x, p + "embeddings.token_type_embeddings.weight", types, embedding);
        if (embedding != hidden) x = Linear.apply(g, x, p + "embeddings.embed_proj", embedding, hidden);
        x = Norms.layerNorm(g, x, p + "embeddings.LayerNorm", hidden, eps);
        // Padding positions start from zero vectors, as transformers multiplies the embeddings by the mask.
        String tokens = g.unsqueeze(g.castFloat(mask), 2);
        x = g.mul(x, tokens);
        String embedded = x;

        // transformers masks query i and key j unless both are tokens: [batch, 1, sequence, sequence].
        String isToken = g.op("Cast", List.of(Attr.i("to", DataType.BOOL_VALUE)), mask);
        String keep = g.op("And", g.unsqueeze(isToken, 1, 2), g.unsqueeze(isToken, 1, 3));

        RelativePositions rel = null;
        if (relative && (c2p || p2c)) {
            String table = g.weight(p + "encoder.rel_embeddings.weight", 2L * span, hidden);
            if (normRel) table = Norms.layerNorm(g, table, p + "encoder.LayerNorm", hidden, eps);
            rel = RelativePositions.of(g, ids, heads, span, buckets, maxRelative, g.unsqueeze(table, 0));
        }

        float scale = (float) Math.sqrt(headDim * (1.0 + posAtt.size()));
        for (int i = 0; i < layers; i++) {
            String l = p + "encoder.layer." + i + ".";
            String a = l + "attention.self.";
            String q = Attention.splitHeads(g, Linear.apply(g, x, a + "query_proj", hidden, hidden), heads, headDim);
            String k = Attention.splitHeads(g, Linear.apply(g, x, a + "key_proj", hidden, hidden), heads, headDim);
            String v = Attention.splitHeads(g, Linear.apply(g, x, a + "value_proj", hidden, hidden), heads, headDim);
            // transformers divides kᵀ (not the product) by √(head size · (1 + number of position terms)).
            String scores = g.matmul(q, g.div(g.transpose(k, 0, 1, 3, 2), g.scalar(scale)));
            if (rel != null) {
                String bias = null;
                if (c2p) {
                    String posKey = rel.project(g, a + (shareKey ? "key_proj" : "pos_key_proj"), hidden, headDim);
                    bias = g.div(rel.c2p(g, q, posKey), g.scalar(scale));
                }
                if (p2c) {
                    String posQuery = rel.project(g, a + (shareKey ? "query_proj" : "pos_query_proj"), hidden, headDim);
                    String term = g.div(rel.p2c(g, k, posQuery), g.scalar(scale));
                    bias = bias == null ? term : g.add(bias, term);
                }
                scores = g.add(scores, bias);
            }
            scores = g.op("Where", keep, scores, g.scalar(MASKED));
            String context = Attention.mergeHeads(g, g.matmul(g.softmax(scores), v), hidden);
            String attended = Linear.apply(g, context, l + "attention.output.dense", hidden, hidden);
            x = Norms.addAndNorm(g, attended, x, l + "attention.output.LayerNorm", hidden, eps);
            String inner = Activations.apply(g, Linear.apply(g, x, l + "intermediate.dense", hidden, intermediate), act);
            String out = Linear.apply(g, inner, l + "output.dense", intermediate, hidden);
            x = Norms.addAndNorm(g, out, x, l + "output.LayerNorm", hidden, eps);
            if (i == 0 && kernel > 0) {
                x = convLayer(g, embedded, x, tokens, p + "encoder.conv.", hidden, kernel, groups,
                        c.text("conv_act", "tanh"), eps);
            }
        }

        if (Heads.hiddenStates(head, g, x, hidden)) return;
        // ContextPooler: dense and pooler_hidden_act on the first token, then the classifier.
        int labels = Heads.labels(c);
        String pooled = Activations.apply(g, Linear.apply(g, Heads.firstToken(g, x), "pooler.dense", hidden, hidden),
                c.text("pooler_hidden_act", "gelu"));
        Heads.logits(g, Linear.apply(g, pooled, "classifier", hidden, labels), labels);
    }

    /**
     * DeBERTa-v2's ConvLayer, after the first layer: a 1-D convolution over the embedding output (zero at padding),
     * its activation, then LayerNorm(first layer's output + that), zero at padding again.
     */
    private static String convLayer(GraphBuilder g, String embedded, String residual, String tokens, String prefix,
                                    long hidden, int kernel, int groups, String act, double eps) {
        int pad = (kernel - 1) / 2;
        List<Attr> attrs = List.of(Attr.i("group", groups), Attr.ints("kernel_shape", kernel), Attr.ints("pads", pad, pad));
        String conv = g.op("Conv", attrs, g.transpose(embedded, 0, 2, 1),
                g.weight(prefix + "conv.weight", hidden, hidden / groups, kernel), g.weight(prefix + "conv.bias", hidden));
        String out = Activations.apply(g, g.mul(g.transpose(conv, 0, 2, 1), tokens), act);
        return g.mul(Norms.addAndNorm(g, out, residual, prefix + "LayerNorm", hidden, eps), tokens);
    }

    /** pos_att_type: a list, or the older "p2c|c2p" string; transformers computes c2p and p2c only. */
    private static Set<String> posAttTypes(ModelConfig c) {
        JsonNode node = c.node("pos_att_type");
        List<String> values = node.isMissingNode() || node.isNull() ? List.of()
                : node.isTextual() ? Arrays.stream(node.asText().toLowerCase().split("\\|")).map(String::strip).toList()
                : StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
        for (String v : values) {
            if (!v.equals("c2p") && !v.equals("p2c")) throw c.unsupported("pos_att_type", node, "c2p, p2c");
        }
        return Set.copyOf(values);
    }

    /**
     * The relative-position side of disentangled attention: the normalised embedding table [1, 2·span, hidden]
     * and, for the sequence at hand, the [batch, heads, sequence, sequence] indices into it of c2p (query i,
     * distance i − j) and p2c (key j, distance j − i), bucketed and clamped as transformers does.
     */
    private record RelativePositions(String table, String c2pIndex, String p2cIndex, long heads) {

        static RelativePositions of(GraphBuilder g, String ids, long heads, int span, int buckets, int maxRelative,
                                    String table) {
            String positions = Embeddings.positions(g, ids);
            String distance = g.sub(g.unsqueeze(positions, 1), g.unsqueeze(positions, 0));
            if (buckets > 0) distance = logBuckets(g, distance, buckets, maxRelative);
            String low = g.scalarInt(0);
            String high = g.scalarInt(2L * span - 1);
            String c2p = g.op("Clip", g.add(distance, g.scalarInt(span)), low, high);
            // p2c_pos[j, i] = clamp(span − rel(j, i)); indexed by key j, as its gather is transposed afterwards.
            String p2c = g.op("Clip", g.sub(g.scalarInt(span), distance), low, high);
            // GatherElements takes indices as large as its output: [batch, heads, sequence, sequence].
            String shape = g.op("Shape", ids);
            String full = g.op("Concat", List.of(Attr.i("axis", 0)), slice(g, shape, 0), g.ints(heads),
                    slice(g, shape, 1), slice(g, shape, 1));
            return new RelativePositions(table, g.op("Expand", c2p, full), g.op("Expand", p2c, full), heads);
        }

        /** transformers' make_log_bucket_position, op for op in float32 so that ceil() lands where torch's does. */
        private static String logBuckets(GraphBuilder g, String rel, int buckets, int maxPosition) {
            int mid = buckets / 2;
            String near = g.op("And", g.op("Less", rel, g.scalarInt(mid)), g.op("Greater", rel, g.scalarInt(-mid)));
            String abs = g.op("Where", near, g.scalarInt(mid - 1), g.op("Abs", rel));
            float logMax = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
            String log = g.div(g.op("Log", g.div(g.castFloat(abs), g.scalar(mid))), g.scalar(logMax));
            String logPos = g.add(g.op("Ceil", g.mul(log, g.scalar(mid - 1))), g.scalar(mid));
            String bucketed = g.op("Where", g.op("LessOrEqual", abs, g.scalarInt(mid)), g.castFloat(rel),
                    g.mul(logPos, g.castFloat(g.op("Sign", rel))));
            return g.castInt64(bucketed);
        }

        private static String slice(GraphBuilder g, String shape, long index) {
            return g.op("Slice", shape, g.ints(index), g.ints(index + 1));
        }

        /** A projection of the position table split into heads: [1, heads, 2·span, head size]; folded at load. */
        String project(GraphBuilder g, String prefix, long hidden, long headDim) {
            return Attention.splitHeads(g, Linear.apply(g, table, prefix, hidden, hidden), heads, headDim);
        }

        /** c2p[b, h, i, j] = q_i · posKey[c2p_pos(i, j)]. */
        String c2p(GraphBuilder g, String q, String posKey) {
            String all = g.matmul(q, g.transpose(posKey, 0, 1, 3, 2));
            return g.op("GatherElements", List.of(Attr.i("axis", -1)), all, c2pIndex);
        }

        /** p2c[b, h, i, j] = k_j · posQuery[p2c_pos(j, i)]. */
        String p2c(GraphBuilder g, String k, String posQuery) {
            String all = g.matmul(k, g.transpose(posQuery, 0, 1, 3, 2));
            return g.transpose(g.op("GatherElements", List.of(Attr.i("axis", -1)), all, p2cIndex), 0, 1, 3, 2);
        }
    }
}
