package dev.sift.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TextTokenizer#windows}: the documented windows over token arrays. */
class WindowsTest {
    // [CLS] q0 q1 [SEP] d0..d9 [SEP], as ids: 100, 10 11, 101, 20..29, 101.
    private static final long[] IDS = {100, 10, 11, 101, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 101};
    private static final long[] SEQUENCES = {-1, 0, 0, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1};
    private static final long[] TYPES = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

    @Test
    void overlappingWindowsKeepEveryAddedTokenAndTheQuery() {
        // Room for 9: 3 added, 2 of query, so windows of 4 document tokens, starting 3 apart.
        List<Encoded> windows = TextTokenizer.windows(IDS, TYPES, SEQUENCES, Truncation.right(9), 10);
        assertThat(windows).hasSize(3);
        assertThat(windows.get(0).ids()).containsExactly(100, 10, 11, 101, 20, 21, 22, 23, 101);
        assertThat(windows.get(1).ids()).containsExactly(100, 10, 11, 101, 23, 24, 25, 26, 101);
        assertThat(windows.get(2).ids()).containsExactly(100, 10, 11, 101, 26, 27, 28, 29, 101);
        assertThat(windows.get(0).typeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1);
        for (Encoded w : windows) assertThat(w.truncated()).isFalse();
    }

    @Test
    void theCapDropsTheRestAndAnInputThatFitsIsOneWindow() {
        assertThat(TextTokenizer.windows(IDS, TYPES, SEQUENCES, Truncation.right(9), 2)).hasSize(2);
        List<Encoded> whole = TextTokenizer.windows(IDS, TYPES, SEQUENCES, Truncation.right(15), 4);
        assertThat(whole).hasSize(1);
        assertThat(whole.get(0).ids()).containsExactly(IDS);
        // Off: cut to one input as without chunking.
        List<Encoded> off = TextTokenizer.windows(IDS, TYPES, SEQUENCES, Truncation.right(9), 0);
        assertThat(off).hasSize(1);
        assertThat(off.get(0).truncated()).isTrue();
    }

    @Test
    void theDocumentsOwnCapKeepsItsEndFromTheLeftAndWindowsRunFromThere() {
        Truncation left = new Truncation(9, Truncation.Side.LEFT, 0, 8);
        List<Encoded> windows = TextTokenizer.windows(IDS, TYPES, SEQUENCES, left, 10);
        assertThat(windows).extracting(w -> w.ids()[4]).containsExactly(22L, 25L, 28L);
        assertThat(windows.get(2).ids()).containsExactly(100, 10, 11, 101, 28, 29, 101);
    }

    @Test
    void aQueryCutToFitIsMarkedSoThatStrictRequestsAreRefused() {
        // Room for 6 content tokens: longest_first keeps 3 of a 5-token query, leaving windows of 3.
        long[] ids = {100, 10, 11, 12, 13, 14, 101, 20, 21, 22, 23, 101};
        long[] sequences = {-1, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, -1};
        List<Encoded> windows = TextTokenizer.windows(ids, new long[ids.length], sequences, Truncation.right(9), 10);
        assertThat(windows).hasSize(2);
        assertThat(windows.get(0).ids()).containsExactly(100, 10, 11, 12, 101, 20, 21, 22, 101);
        assertThat(windows.get(0).truncated()).isTrue();
    }
}
