package dev.sift.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    @Test
    void everyInputOnceInBatchesWithinBudgetLongestFirst() {
        Random random = new Random(1);
        int[] lengths = random.ints(500, 1, 300).toArray();
        List<int[]> batches = new BatchPlanner(32, 2048).plan(lengths);
        int[] seen = new int[lengths.length];
        for (int[] batch : batches) {
            assertThat(batch.length).isBetween(1, 32);
            int width = lengths[batch[0]];
            assertThat((long) batch.length * width <= 2048 || batch.length == 1).isTrue();
            for (int i : batch) {
                seen[i]++;
                assertThat(lengths[i]).isLessThanOrEqualTo(width);
            }
        }
        assertThat(Arrays.stream(seen).allMatch(n -> n == 1)).isTrue();
    }

    @Test
    void inputLongerThanTheBudgetGetsABatchOfItsOwn() {
        List<int[]> batches = new BatchPlanner(8, 100).plan(new int[] {500, 10, 10});
        assertThat(batches.get(0)).containsExactly(0);
        assertThat(batches.get(1)).containsExactly(1, 2);
    }
}
