package dev.sift.server.eval;

import java.util.List;
import java.util.Locale;

/** A self-contained SVG bar chart of the metrics: a group of bars per metric, a bar per model, values on [0, 1]. */
public final class SvgPlot {
    private static final String[] COLOURS = {"#4477aa", "#ee6677", "#228833", "#ccbb44"};
    private static final int BAR = 36;
    private static final int GAP = 28;
    private static final int PLOT_HEIGHT = 240;
    private static final int LEFT = 50;
    private static final int TOP = 40;

    private SvgPlot() {}

    public static String render(List<Evaluation.ModelResult> results, List<String> metrics, String title) {
        int groupWidth = results.size() * BAR + GAP;
        int width = LEFT + metrics.size() * groupWidth + 20;
        int legendTop = TOP + PLOT_HEIGHT + 40;
        int height = legendTop + results.size() * 20 + 10;
        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, escape(title)));
        for (int t = 0; t <= 4; t++) {
            double v = t / 4.0;
            double y = TOP + PLOT_HEIGHT * (1 - v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#dddddd\"/>%n",
                    LEFT, y, width - 20, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n",
                    LEFT - 6, y + 4, v));
        }
        for (int m = 0; m < metrics.size(); m++) {
            int groupX = LEFT + GAP / 2 + m * groupWidth;
            for (int r = 0; r < results.size(); r++) {
                double v = Math.max(0, Math.min(1, results.get(r).means().get(metrics.get(m))));
                double h = PLOT_HEIGHT * v;
                int x = groupX + r * BAR;
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">"
                                + "<title>%s %s: %.4f</title></rect>%n", x, TOP + PLOT_HEIGHT - h, BAR - 4, h,
                        COLOURS[r % COLOURS.length], escape(results.get(r).model()), escape(metrics.get(m)), v));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%.3f</text>%n",
                        x + (BAR - 4) / 2.0, TOP + PLOT_HEIGHT - h - 4, v));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    groupX + (results.size() * BAR - 4) / 2.0, TOP + PLOT_HEIGHT + 18, escape(metrics.get(m))));
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                LEFT, TOP + PLOT_HEIGHT, width - 20, TOP + PLOT_HEIGHT));
        for (int r = 0; r < results.size(); r++) {
            int y = legendTop + r * 20;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    LEFT, y, COLOURS[r % COLOURS.length]));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 18, y + 11,
                    escape(results.get(r).model())));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
