package dev.sift.server.eval;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Queries done out of the total, the rate and the time left, on stderr. On a terminal the line is redrawn in place
 * (at most ten times a second); otherwise a plain line at each tenth of the way
 * (at most one a second) and one at the end.
 */
public final class ProgressBar implements Evaluation.Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final int total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw = start - 10_000_000_000L;
    private int lastTenth = -1;

    public ProgressBar(PrintStream out, String label, int total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.terminal = terminal;
    }

    /** Whether this process writes to a terminal (JDK 22+ says it with Console.isTerminal, earlier ones by null). */
    public static boolean onTerminal() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    @Override
    public void done(int queries) {
        long now = System.nanoTime();
        boolean last = queries >= total;
        if (terminal) {
            if (!last && now - lastDraw < 100_000_000L) return;
            lastDraw = now;
            out.print("\r" + line(queries, now) + (last ? "\n" : ""));
            out.flush();
        } else {
            int tenth = total == 0 ? 10 : queries * 10 / total;
            if (!last && (tenth == lastTenth || now - lastDraw < 1_000_000_000L)) return;
            lastTenth = tenth;
            lastDraw = now;
            out.println(line(queries, now));
        }
    }

    String line(int queries, long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = queries / seconds;
        int filled = total == 0 ? WIDTH : queries * WIDTH / total;
        String eta = queries >= total ? "done in " + duration(seconds)
                : rate > 0 ? "ETA " + duration((total - queries) / rate) : "ETA ?";
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d queries, %.1f/s, %s", label, "#".repeat(filled),
                " ".repeat(WIDTH - filled), queries, total, rate, eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
