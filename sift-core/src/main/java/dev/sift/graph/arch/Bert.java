package dev.sift.graph.arch;

import dev.sift.graph.Architecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.Head;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Activations;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Linear;
import dev.sift.graph.blocks.Norms;
import dev.sift.graph.blocks.PostNormLayer;
import java.util.List;

/**
 * BERT and the encoders laid out like it: RoBERTa, XLM-RoBERTa and CamemBERT (positions offset past the padding
 * index, RoBERTa's classification head) and ELECTRA (an optional embedding projection, its own head). Post-norm
 * layers: LayerNorm(x + attention(x)), then LayerNorm(x + FFN(x)).
 */
public final class Bert implements Architecture {

    /** Which layout of the family the checkpoint is. */
    public enum Flavour { BERT, ROBERTA, ELECTRA }

    private final Flavour flavour;

    public Bert(Flavour flavour) {
        this.flavour = flavour;
    }

    @Override
    public void build(ModelConfig c, GraphBuilder g, Head head) {
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        c.headDim(hidden, heads); // refuses a hidden size the heads do not divide
        int layers = c.integer("num_hidden_layers");
        int intermediate = c.integer("intermediate_size");
        int vocab = c.integer("vocab_size");
        int types = c.integer("type_vocab_size", 2);
        double eps = c.number("layer_norm_eps", 1e-12);
        String act = c.text("hidden_act", "gelu");
        int embedding = flavour == Flavour.ELECTRA ? c.integer("embedding_size", hidden) : hidden;
        String p = Prefixes.of(g, "embeddings.word_embeddings.weight",
                switch (flavour) {
                    case BERT -> List.of("bert.", "");
                    case ROBERTA -> List.of("roberta.", "");
                    case ELECTRA -> List.of("electra.", "");
                });

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, p + "embeddings.word_embeddings.weight", vocab, embedding, ids);
        int positions = c.integer("max_position_embeddings");
        String positionIds = flavour == Flavour.ROBERTA
                ? Embeddings.paddingOffsetPositions(g, ids, c.integer("pad_token_id", 1))
                : Embeddings.positions(g, ids);
        x = g.add(x, Embeddings.lookup(g, p + "embeddings.position_embeddings.weight", positions, embedding, positionIds));
        x = Embeddings.addTokenTypes(g, x, p + "embeddings.token_type_embeddings.weight", types, embedding);
        x = Norms.layerNorm(g, x, p + "embeddings.LayerNorm", embedding, eps);
        if (embedding != hidden) x = Linear.apply(g, x, p + "embeddings_project", embedding, hidden);

        PostNormLayer.Mask layerMask = PostNormLayer.Mask.of(g, mask, false);
        PostNormLayer.Shape shape = new PostNormLayer.Shape(hidden, heads, intermediate, eps, act);
        for (int i = 0; i < layers; i++) {
            String l = p + "encoder.layer." + i + ".";
            x = new PostNormLayer(l + "attention.self.query", l + "attention.self.key", l + "attention.self.value",
                    l + "attention.output.dense", l + "attention.output.LayerNorm", l + "intermediate.dense",
                    l + "output.dense", l + "output.LayerNorm").apply(g, x, layerMask, shape);
        }

        if (Heads.hiddenStates(head, g, x, hidden)) return;
        int labels = Heads.labels(c);
        String cls = Heads.firstToken(g, x);
        String logits = switch (flavour) {
            case BERT -> Linear.apply(g, g.op("Tanh", Linear.apply(g, cls, p + "pooler.dense", hidden, hidden)),
                    "classifier", hidden, labels);
            case ROBERTA -> Linear.apply(g, g.op("Tanh", Linear.apply(g, cls, "classifier.dense", hidden, hidden)),
                    "classifier.out_proj", hidden, labels);
            case ELECTRA -> Linear.apply(g, Activations.gelu(g, Linear.apply(g, cls, "classifier.dense", hidden, hidden)),
                    "classifier.out_proj", hidden, labels);
        };
        Heads.logits(g, logits, labels);
    }
}
