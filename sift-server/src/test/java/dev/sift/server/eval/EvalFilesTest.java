package dev.sift.server.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BEIR and TREC files read alike; a bad line is named with its number. */
class EvalFilesTest {
    @TempDir
    Path temp;

    @Test
    void beirCorpusJoinsTitleAndTextAndTsvReadsAsIs() throws IOException {
        Path jsonl = write("corpus.jsonl", """
                {"_id": "d1", "title": "Paris", "text": "Capital of France."}
                {"_id": 2, "title": "", "text": "No title."}

                """);
        assertThat(EvalFiles.readCorpus(jsonl)).containsExactly(Map.entry("d1", "Paris Capital of France."),
                Map.entry("2", "No title."));
        Path tsv = write("corpus.tsv", "d1\tParis Capital of France.\nd2\tA\ttab inside\n");
        assertThat(EvalFiles.readCorpus(tsv)).containsEntry("d2", "A\ttab inside");
        // JSON lines recognised by content, whatever the extension.
        assertThat(EvalFiles.readQueries(write("queries.txt", "{\"_id\": \"q1\", \"text\": \"Why?\"}\n")))
                .containsExactly(Map.entry("q1", "Why?"));
    }

    @Test
    void qrelsInBeirWithHeaderAndInTrecLayout() throws IOException {
        Qrels beir = EvalFiles.readQrels(write("test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td1\t1\n"));
        Qrels trec = EvalFiles.readQrels(write("qrels.trec", "q1 0 d1 2\nq1 0 d2 0\nq2 0 d1 1\n"));
        assertThat(beir).isEqualTo(trec);
        assertThat(beir.of("q1")).containsExactly(Map.entry("d1", 2), Map.entry("d2", 0));
        assertThat(beir.hasRelevant("q2")).isTrue();
        assertThat(beir.hasRelevant("q3")).isFalse();
    }

    @Test
    void runIsOrderedByScoreAndCutAtTopK() throws IOException {
        Path run = write("run.trec", "q1 Q0 a 2 1.5 t\nq1 Q0 b 1 3.0 t\nq1 Q0 c 3 0.5 t\nq2 Q0 a 1 1 t\n");
        assertThat(EvalFiles.readRun(run, 2)).containsExactly(Map.entry("q1", List.of("b", "a")),
                Map.entry("q2", List.of("a")));
    }

    @Test
    void badLinesAreNamedWithTheirNumber() throws IOException {
        assertThatThrownBy(() -> EvalFiles.readQrels(write("bad.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 d2\n")))
                .isInstanceOf(EvalFormatException.class).hasMessageContaining("bad.tsv line 3: expected");
        assertThatThrownBy(() -> EvalFiles.readQrels(write("rel.tsv", "q1\td1\t1\nq1\td2\thigh\n")))
                .hasMessageContaining("rel.tsv line 2: relevance 'high' is not a whole number");
        assertThatThrownBy(() -> EvalFiles.readCorpus(write("c.jsonl", "{\"_id\": \"d1\", \"text\": \"x\"}\n{oops\n")))
                .hasMessageContaining("c.jsonl line 2: not a JSON object");
        assertThatThrownBy(() -> EvalFiles.readCorpus(write("d.jsonl", "{\"_id\": \"d1\", \"text\": \"x\"}\n{\"_id\": \"d1\", \"text\": \"y\"}\n")))
                .hasMessageContaining("d.jsonl line 2: id d1 given twice");
        assertThatThrownBy(() -> EvalFiles.readRun(write("r.trec", "q1 Q0 a one 1.0 t\n"), 10))
                .hasMessageContaining("r.trec line 1: rank 'one'");
        assertThatThrownBy(() -> EvalFiles.readQueries(temp.resolve("absent.jsonl")))
                .hasMessageContaining("absent.jsonl: no such file");
    }

    @Test
    void planSkipsQueriesWithoutRelevantJudgmentsAndRefusesUnknownIds() {
        Map<String, String> corpus = Map.of("d1", "one", "d2", "two");
        Map<String, String> queries = new java.util.LinkedHashMap<>(Map.of("q1", "first"));
        queries.put("q2", "second");
        Qrels qrels = new Qrels(Map.of("q1", Map.of("d1", 1), "q2", Map.of("d2", 0)));
        EvalPlan plan = EvalPlan.of(corpus, queries, qrels, null, Path.of("q.tsv"), null, 10);
        assertThat(plan.queries()).hasSize(1);
        assertThat(plan.skippedNoQrels()).isEqualTo(1);
        assertThat(plan.queries().get(0).candidates()).containsExactlyInAnyOrder("d1", "d2");
        assertThatThrownBy(() -> EvalPlan.of(corpus, queries, qrels, Map.of("q1", List.of("d9")), Path.of("q.tsv"),
                Path.of("run.trec"), 10)).hasMessageContaining("run.trec: document d9 (query q1) is not in the corpus");
        assertThatThrownBy(() -> EvalPlan.of(corpus, Map.of("q2", "x"), qrels, null, Path.of("q.tsv"), null, 10))
                .hasMessageContaining("q.tsv: query q1 is not in the queries file");
        assertThatThrownBy(() -> EvalPlan.of(corpus, queries, qrels, null, Path.of("q.tsv"), null, 1))
                .hasMessageContaining("pass first-stage candidates with --candidates RUN");
    }

    @Test
    void svgPlotIsWellFormedXml() throws Exception {
        Evaluation.ModelResult a = new Evaluation.ModelResult("a <&> b", List.of(),
                Map.of("NDCG@10", 0.5, "MRR@10", 1.0, "Recall@10", 0.25, "Recall@100", 1.0), 0);
        String svg = SvgPlot.render(List.of(a, a), Evaluation.metricNames(10), "t");
        var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagName("rect").getLength()).isEqualTo(1 + 8 + 2);
    }

    private Path write(String name, String text) throws IOException {
        Path file = temp.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
