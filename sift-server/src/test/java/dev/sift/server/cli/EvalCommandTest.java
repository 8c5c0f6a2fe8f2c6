package dev.sift.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sift eval} over the committed tiny dataset, and its refusals. */
class EvalCommandTest {
    private static final Path TINY = Fixtures.model("bert-cross-encoder").getParent().getParent().resolve("eval/tiny");

    @TempDir
    Path temp;

    record Outcome(int exit, String out, String err) {}

    @Test
    void evaluatesTheTinyDatasetAndWritesTheRun() throws IOException {
        Path run = temp.resolve("run.trec");
        Outcome o = eval(Fixtures.model("bert-cross-encoder").toString(), "--queries", TINY.resolve("queries.jsonl").toString(),
                "--corpus", TINY.resolve("corpus.jsonl").toString(), "--qrels", TINY.resolve("qrels/test.tsv").toString(),
                "--candidates", TINY.resolve("candidates.trec").toString(), "--output", run.toString(), "--json");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.err()).contains("12 queries with judgments (1 without, skipped), 240 candidate pairs");
        JsonNode json = new ObjectMapper().readTree(o.out());
        assertThat(json.get("queries").asInt()).isEqualTo(12);
        assertThat(json.get("skipped_without_qrels").asInt()).isEqualTo(1);
        JsonNode metrics = json.get("models").get(0).get("metrics");
        for (String m : List.of("NDCG@10", "MRR@10", "Recall@10", "Recall@100")) {
            assertThat(metrics.get(m).asDouble()).isBetween(0.0, 1.0);
        }
        // q03's first stage missed one of its four relevant documents.
        assertThat(json.get("models").get(0).get("per_query").get("q03").get("Recall@100").asDouble()).isEqualTo(0.75);
        assertThat(Files.readAllLines(run)).hasSize(240).allMatch(l -> l.matches("q\\d\\d Q0 d\\d{3} \\d+ \\S+ sift"));
    }

    @Test
    void theSameJudgmentsInTrecLayoutGiveTheSameFigures() throws IOException {
        String model = Fixtures.model("bert-cross-encoder").toString();
        Outcome beir = eval(model, "--queries", TINY.resolve("queries.jsonl").toString(), "--corpus",
                TINY.resolve("corpus.jsonl").toString(), "--qrels", TINY.resolve("qrels/test.tsv").toString());
        Outcome trec = eval(model, "--queries", TINY.resolve("queries.tsv").toString(), "--corpus",
                TINY.resolve("corpus.tsv").toString(), "--qrels", TINY.resolve("qrels.trec").toString());
        assertThat(beir.exit()).as(beir.err()).isZero();
        assertThat(trec.out()).isEqualTo(beir.out()).contains("NDCG@10");
        assertThat(beir.err()).contains("720 candidate pairs"); // every document for each of the 12 queries
    }

    @Test
    void aBadQrelsLineIsNamedWithoutAStackTrace() throws IOException {
        Path qrels = temp.resolve("qrels.tsv");
        Files.writeString(qrels, "query-id\tcorpus-id\tscore\nq01\td001\t2\nq01\td002\n");
        Outcome o = eval(Fixtures.model("bert-cross-encoder").toString(), "--queries", TINY.resolve("queries.jsonl").toString(),
                "--corpus", TINY.resolve("corpus.jsonl").toString(), "--qrels", qrels.toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err()).contains("sift: " + qrels + " line 3: expected 'query-id corpus-id score'").doesNotContain("\tat ");
    }

    @Test
    void aMissingModelOrFileIsRefused() {
        Outcome file = eval(Fixtures.model("bert-cross-encoder").toString(), "--queries", temp.resolve("none.jsonl").toString(),
                "--corpus", TINY.resolve("corpus.jsonl").toString(), "--qrels", TINY.resolve("qrels/test.tsv").toString());
        assertThat(file.exit()).isEqualTo(2);
        assertThat(file.err()).contains("none.jsonl: no such file");
        Outcome model = eval(temp.resolve("absent").toString(), "--queries", TINY.resolve("queries.jsonl").toString(),
                "--corpus", TINY.resolve("corpus.jsonl").toString(), "--qrels", TINY.resolve("qrels/test.tsv").toString());
        assertThat(model.exit()).isEqualTo(1);
        assertThat(model.err()).contains("sift: cannot evaluate the model: model folder not found");
    }

    private static Outcome eval(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int exit;
        try {
            List<String> all = new ArrayList<>(List.of("eval"));
            all.addAll(List.of(args));
            exit = SiftCommand.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Outcome(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
