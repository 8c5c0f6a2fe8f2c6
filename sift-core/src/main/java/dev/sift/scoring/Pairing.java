package dev.sift.scoring;

import java.util.ArrayList;
import java.util.List;

/** vLLM's rule for turning two lists of texts into pairs: 1:1, 1:N (one query, many documents) or N:N (zipped). */
public final class Pairing {
    private Pairing() {}

    /** @throws IllegalArgumentException with vLLM's message when the lengths cannot be paired */
    public static List<TextPair> pair(List<String> queries, List<String> documents) {
        int left = queries.size();
        int right = documents.size();
        if (left > 1 && left != right) throw new IllegalArgumentException("Input lengths must be either 1:1, 1:N or N:N");
        if (left == 0) throw new IllegalArgumentException("At least one text element must be given");
        if (right == 0) throw new IllegalArgumentException("At least one text_pair element must be given");
        List<TextPair> pairs = new ArrayList<>(right);
        for (int i = 0; i < right; i++) pairs.add(new TextPair(queries.get(left == 1 ? 0 : i), documents.get(i)));
        return pairs;
    }
}
