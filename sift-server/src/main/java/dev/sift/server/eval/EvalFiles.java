package dev.sift.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Readers for the files of a relevance evaluation, in BEIR or TREC layout.
 *
 * <ul>
 *   <li>corpus and queries: JSON lines (BEIR: {@code {"_id": ..., "title": ..., "text": ...}}) when the file name ends in
 *       {@code .jsonl} or {@code .json}, or its first non-blank character is <code>{</code>; otherwise tab-separated
 *       {@code id<TAB>text}. A corpus document's text is {@code title + " " + text} when it has a non-empty title.</li>
 *   <li>qrels: three columns {@code query-id corpus-id score} (BEIR, with or without its header line) or four,
 *       {@code qid iteration docid relevance} (TREC), separated by tabs or spaces.</li>
 *   <li>a run: TREC's {@code qid Q0 docid rank score tag}.</li>
 * </ul>
 */
public final class EvalFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private EvalFiles() {}

    /** Corpus documents by id, in file order: title and text joined by a space when there is a title. */
    public static Map<String, String> readCorpus(Path file) {
        return readTexts(file, true);
    }

    /** Query texts by id, in file order. */
    public static Map<String, String> readQueries(Path file) {
        return readTexts(file, false);
    }

    private static Map<String, String> readTexts(Path file, boolean withTitle) {
        List<String> lines = lines(file);
        boolean json = isJsonLines(file, lines);
        Map<String, String> texts = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            int number = i + 1;
            String id;
            String text;
            if (json) {
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw EvalFormatException.at(file, number, "not a JSON object: " + firstLine(e.getMessage()));
                }
                if (node == null || !node.isObject()) throw EvalFormatException.at(file, number, "not a JSON object");
                JsonNode idNode = node.get("_id");
                if (idNode == null || !idNode.isValueNode() || idNode.asText().isEmpty()) {
                    throw EvalFormatException.at(file, number, "no \"_id\"");
                }
                JsonNode textNode = node.get("text");
                if (textNode == null || !textNode.isTextual()) {
                    throw EvalFormatException.at(file, number, "no \"text\" string");
                }
                id = idNode.asText();
                text = textNode.asText();
                JsonNode title = node.get("title");
                if (withTitle && title != null && title.isTextual() && !title.asText().isBlank()) {
                    text = title.asText() + " " + text;
                }
            } else {
                int tab = line.indexOf('\t');
                if (tab <= 0) throw EvalFormatException.at(file, number, "expected id<TAB>text");
                id = line.substring(0, tab).strip();
                text = line.substring(tab + 1);
            }
            if (texts.putIfAbsent(id, text) != null) {
                throw EvalFormatException.at(file, number, "id " + id + " given twice");
            }
        }
        if (texts.isEmpty()) throw new EvalFormatException(file + ": no entries");
        return texts;
    }

    /** Judgments in BEIR ({@code query-id corpus-id score}, header optional) or TREC ({@code qid 0 docid rel}) layout. */
    public static Qrels readQrels(Path file) {
        List<String> lines = lines(file);
        Map<String, Map<String, Integer>> byQuery = new LinkedHashMap<>();
        boolean first = true;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String[] f = SPACES.split(line);
            boolean header = first && f.length == 3 && !isInteger(f[2]);
            first = false;
            if (header) continue;
            String query;
            String doc;
            String rel;
            if (f.length == 3) {
                query = f[0];
                doc = f[1];
                rel = f[2];
            } else if (f.length == 4) {
                query = f[0];
                doc = f[2];
                rel = f[3];
            } else {
                throw EvalFormatException.at(file, i + 1, "expected 'query-id corpus-id score' (BEIR) or 'qid 0 docid"
                        + " relevance' (TREC), got " + f.length + " field(s)");
            }
            if (!isInteger(rel)) {
                throw EvalFormatException.at(file, i + 1, "relevance '" + rel + "' is not a whole number");
            }
            byQuery.computeIfAbsent(query, q -> new LinkedHashMap<>()).put(doc, Integer.parseInt(rel));
        }
        if (byQuery.isEmpty()) throw new EvalFormatException(file + ": no judgments");
        return new Qrels(byQuery);
    }

    /**
     * A TREC run ({@code qid Q0 docid rank score tag}): each query's documents ordered by score, highest first (ties by
     * rank), keeping the first {@code topK}.
     */
    public static Map<String, List<String>> readRun(Path file, int topK) {
        record Entry(String doc, int rank, double score) {}
        List<String> lines = lines(file);
        Map<String, List<Entry>> byQuery = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String[] f = SPACES.split(line);
            if (f.length != 6) {
                throw EvalFormatException.at(file, i + 1, "expected 'qid Q0 docid rank score tag' (TREC run), got "
                        + f.length + " field(s)");
            }
            int rank;
            double score;
            try {
                rank = Integer.parseInt(f[3]);
                score = Double.parseDouble(f[4]);
            } catch (NumberFormatException e) {
                throw EvalFormatException.at(file, i + 1, "rank '" + f[3] + "' or score '" + f[4] + "' is not a number");
            }
            List<Entry> entries = byQuery.computeIfAbsent(f[0], q -> new ArrayList<>());
            for (Entry e : entries) {
                if (e.doc().equals(f[2])) {
                    throw EvalFormatException.at(file, i + 1, "document " + f[2] + " listed twice for query " + f[0]);
                }
            }
            entries.add(new Entry(f[2], rank, score));
        }
        if (byQuery.isEmpty()) throw new EvalFormatException(file + ": no entries");
        Map<String, List<String>> run = new LinkedHashMap<>();
        byQuery.forEach((query, entries) -> {
            entries.sort(Comparator.comparingDouble(Entry::score).reversed().thenComparingInt(Entry::rank));
            run.put(query, entries.stream().limit(topK).map(Entry::doc).toList());
        });
        return run;
    }

    private static List<String> lines(Path file) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return reader.lines().toList();
        } catch (NoSuchFileException e) {
            throw new EvalFormatException(file + ": no such file");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new EvalFormatException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static boolean isJsonLines(Path file, List<String> lines) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".json")) return true;
        for (String line : lines) {
            String s = line.strip();
            if (!s.isEmpty()) return s.startsWith("{");
        }
        return false;
    }

    private static boolean isInteger(String s) {
        return s.matches("[+-]?\\d{1,9}");
    }

    private static String firstLine(String message) {
        if (message == null) return "";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
