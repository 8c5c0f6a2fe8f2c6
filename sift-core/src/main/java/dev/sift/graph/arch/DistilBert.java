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
 * DistilBERT: BERT's post-norm layers under other names (q_lin/k_lin/v_lin/out_lin, sa_layer_norm, ffn.lin1/lin2,
 * output_layer_norm), no token types, and the classification head pre_classifier → ReLU → classifier on the first
 * token. Its LayerNorms use eps 1e-12 whatever the config says (transformers hard-codes it).
 */
public final class DistilBert implements Architecture {

    private static final double EPS = 1e-12;

    @Override
    public void build(ModelConfig c, GraphBuilder g, Head head) {
        // DistilBertConfig's own field names, with its defaults.
        int hidden = c.integer("dim", 768);
        int heads = c.integer("n_heads", 12);
        c.headDim(hidden, heads); // refuses a hidden size the heads do not divide
        int layers = c.integer("n_layers", 6);
        int intermediate = c.integer("hidden_dim", 4 * 768);
        int vocab = c.integer("vocab_size", 30522);
        int positions = c.integer("max_position_embeddings", 512);
        String act = c.text("activation", "gelu");
        String p = Prefixes.of(g, "embeddings.word_embeddings.weight", List.of("distilbert.", ""));

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, p + "embeddings.word_embeddings.weight", vocab, hidden, ids);
        x = g.add(x, g.gather(positionTable(c, g, p + "embeddings.position_embeddings.weight", positions, hidden),
                Embeddings.positions(g, ids), 0));
        x = Norms.layerNorm(g, x, p + "embeddings.LayerNorm", hidden, EPS);

        PostNormLayer.Mask layerMask = PostNormLayer.Mask.of(g, mask, false);
        PostNormLayer.Shape shape = new PostNormLayer.Shape(hidden, heads, intermediate, EPS, act);
        for (int i = 0; i < layers; i++) {
            String l = p + "transformer.layer." + i + ".";
            x = new PostNormLayer(l + "attention.q_lin", l + "attention.k_lin", l + "attention.v_lin",
                    l + "attention.out_lin", l + "sa_layer_norm", l + "ffn.lin1", l + "ffn.lin2",
                    l + "output_layer_norm").apply(g, x, layerMask, shape);
        }

        if (Heads.hiddenStates(head, g, x, hidden)) return;
        int labels = Heads.labels(c);
        String pooled = g.op("Relu", Linear.apply(g, Heads.firstToken(g, x), "pre_classifier", hidden, hidden));
        Heads.logits(g, Linear.apply(g, pooled, "classifier", hidden, labels), labels);
    }

    /**
     * The position table. A sinusoidal model's table is a parameter too, saved in the checkpoint, and transformers
     * loads it from there; only when a checkpoint lacks it is it computed, as {@code create_sinusoidal_embeddings}
     * does (in double precision, rounded to float).
     */
    private static String positionTable(ModelConfig c, GraphBuilder g, String name, int positions, int dim) {
        if (g.has(name) || !c.flag("sinusoidal_pos_embds", false)) return g.weight(name, positions, dim);
        float[] table = new float[positions * dim];
        for (int pos = 0; pos < positions; pos++) {
            for (int j = 0; j < dim; j++) {
                double angle = pos / Math.pow(10000, 2.0 * (j / 2) / dim);
                table[pos * dim + j] = (float) (j % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return g.floats(table, positions, dim);
    }
}
