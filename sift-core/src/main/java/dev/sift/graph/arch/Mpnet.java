package dev.sift.graph.arch;

import dev.sift.graph.Architecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.Head;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Linear;
import dev.sift.graph.blocks.Norms;
import dev.sift.graph.blocks.PostNormLayer;
import java.util.List;

/**
 * MPNet (MPNetModel, as in all-mpnet-base-v2, and MPNetForSequenceClassification): BERT's post-norm layers with
 * RoBERTa's positions and no token types, plus a T5-style relative position bias that one table
 * ({@code encoder.relative_attention_bias}) gives every layer.
 */
public final class Mpnet implements Architecture {

    /** MPNetEncoder.compute_position_bias buckets into 32 whatever relative_attention_num_buckets says. */
    private static final int BUCKETS = 32;
    /** relative_position_bucket's max_distance: every distance from here on falls in the last bucket. */
    private static final int MAX_DISTANCE = 128;
    /** MPNetEmbeddings hard-codes the padding index of its positions to 1, not config.pad_token_id. */
    private static final int PADDING_IDX = 1;

    @Override
    public void build(ModelConfig c, GraphBuilder g, Head head) {
        int hidden = c.integer("hidden_size", 768);
        int heads = c.integer("num_attention_heads", 12);
        c.headDim(hidden, heads); // refuses a hidden size the heads do not divide
        int layers = c.integer("num_hidden_layers", 12);
        int intermediate = c.integer("intermediate_size", 3072);
        int vocab = c.integer("vocab_size", 30527);
        int positions = c.integer("max_position_embeddings", 512);
        int buckets = c.integer("relative_attention_num_buckets", 32);
        if (buckets < BUCKETS) {
            throw c.unsupported("relative_attention_num_buckets", buckets, "at least " + BUCKETS
                    + ": transformers' MPNet always buckets relative positions into " + BUCKETS);
        }
        double eps = c.number("layer_norm_eps", 1e-12);
        String act = c.text("hidden_act", "gelu");
        String p = Prefixes.of(g, "embeddings.word_embeddings.weight", List.of("mpnet.", ""));

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, p + "embeddings.word_embeddings.weight", vocab, hidden, ids);
        x = g.add(x, Embeddings.lookup(g, p + "embeddings.position_embeddings.weight", positions, hidden,
                Embeddings.paddingOffsetPositions(g, ids, PADDING_IDX)));
        x = Norms.layerNorm(g, x, p + "embeddings.LayerNorm", hidden, eps);

        PostNormLayer.Mask layerMask = PostNormLayer.Mask.of(g, mask, true);
        String positionBias = positionBias(g, p + "encoder.relative_attention_bias.weight", buckets, heads, ids);
        PostNormLayer.Shape shape = new PostNormLayer.Shape(hidden, heads, intermediate, eps, act);
        for (int i = 0; i < layers; i++) {
            String l = p + "encoder.layer." + i + ".";
            x = new PostNormLayer(l + "attention.attn.q", l + "attention.attn.k", l + "attention.attn.v",
                    l + "attention.attn.o", l + "attention.LayerNorm", l + "intermediate.dense", l + "output.dense",
                    l + "output.LayerNorm").apply(g, x, layerMask, shape, positionBias);
        }

        if (Heads.hiddenStates(head, g, x, hidden)) return;
        // MPNetClassificationHead, RoBERTa's: dense → tanh → out_proj on <s>.
        int labels = Heads.labels(c);
        String dense = g.op("Tanh", Linear.apply(g, Heads.firstToken(g, x), "classifier.dense", hidden, hidden));
        Heads.logits(g, Linear.apply(g, dense, "classifier.out_proj", hidden, labels), labels);
    }

    /**
     * The [1, heads, sequence, sequence] bias of compute_position_bias: the relative position key − query of the
     * plain positions 0..sequence-1 (not the padding-offset ones), clipped to ±{@value #MAX_DISTANCE} (beyond which
     * the bucket no longer changes), looked up in a table of buckets, then in the checkpoint's [buckets, heads] table.
     */
    private static String positionBias(GraphBuilder g, String name, int buckets, int heads, String ids) {
        String range = Embeddings.positions(g, ids);
        String relative = g.sub(g.unsqueeze(range, 0), g.unsqueeze(range, 1));
        String clipped = g.op("Clip", relative, g.scalarInt(-MAX_DISTANCE), g.scalarInt(MAX_DISTANCE));
        long[] table = new long[2 * MAX_DISTANCE + 1];
        for (int r = -MAX_DISTANCE; r <= MAX_DISTANCE; r++) table[r + MAX_DISTANCE] = bucket(r);
        String bucketIds = g.gather(g.ints(table), g.add(clipped, g.scalarInt(MAX_DISTANCE)), 0);
        String values = g.gather(g.weight(name, buckets, heads), bucketIds, 0);
        return g.unsqueeze(g.transpose(values, 2, 0, 1), 0);
    }

    /**
     * relative_position_bucket(relative, 32, 128): half the buckets for keys before the query, half for after;
     * within a half, distances below 8 get one bucket each, larger ones share logarithmic buckets up to 128.
     * transformers computes 8 + ⌊log(n/8)/log(128/8)·8⌋ in floating point, capped at the half's last bucket; the
     * floor is ⌊2·log₂(n/8)⌋, the largest m with n² ≥ 64·2^m, computed here in integers (it agrees with torch's
     * float computation at every distance, the powers of two included).
     */
    private static int bucket(int relative) {
        int half = BUCKETS / 2;
        int exact = half / 2;
        int n = -relative;
        int offset = n < 0 ? half : 0;
        n = Math.abs(n);
        if (n < exact) return offset + n;
        int m = 0;
        while (exact + m < half - 1 && (long) n * n >= 64L << (m + 1)) m++;
        return offset + exact + m;
    }
}
