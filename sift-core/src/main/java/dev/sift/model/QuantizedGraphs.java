package dev.sift.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the int8 graph to run among those a model repository ships. sentence-transformers and Optimum name them
 * by the instruction set they were quantized for: {@code model_qint8_avx512_vnni.onnx} (signed weights, for VNNI),
 * {@code model_qint8_avx512.onnx}, {@code model_quint8_avx2.onnx} (unsigned, reduced range, which avoids
 * saturation without VNNI) and {@code model_qint8_arm64.onnx}. Any of them runs anywhere; the one made for this
 * CPU is preferred, then any other int8 graph in the folder.
 */
public final class QuantizedGraphs {
    private QuantizedGraphs() {}

    static Path find(Path dir) {
        List<String> preferred = preferredNames();
        for (String name : preferred) {
            for (Path candidate : List.of(dir.resolve("onnx").resolve(name), dir.resolve(name))) {
                if (Files.isRegularFile(candidate)) return candidate;
            }
        }
        List<Path> others = int8Graphs(dir);
        if (!others.isEmpty()) return others.get(0);
        throw new ModelException("--int8: no quantized ONNX graph in " + dir + " (looked for " + String.join(", ", preferred)
                + " and any *int8*.onnx or *quantized*.onnx); make one with: optimum-cli onnxruntime quantize --onnx_model"
                + " <folder> --avx2 -o <output folder>");
    }

    /** The variant names in order of preference for this machine's CPU. */
    public static List<String> preferredNames() {
        return preference(cpuFlags(), System.getProperty("os.arch", ""));
    }

    /** The variant names in order of preference for a CPU with these /proc/cpuinfo flags. */
    static List<String> preference(String flags, String arch) {
        List<String> order = new ArrayList<>();
        if (arch.contains("aarch64") || arch.contains("arm")) order.add("model_qint8_arm64.onnx");
        if (hasFlag(flags, "avx512_vnni")) order.add("model_qint8_avx512_vnni.onnx");
        if (hasFlag(flags, "avx512f")) order.add("model_qint8_avx512.onnx");
        order.add("model_quint8_avx2.onnx");
        for (String name : List.of("model_qint8_avx512_vnni.onnx", "model_qint8_avx512.onnx", "model_qint8_arm64.onnx")) {
            if (!order.contains(name)) order.add(name);
        }
        return order;
    }

    private static boolean hasFlag(String flags, String flag) {
        return (" " + flags + " ").contains(" " + flag + " ");
    }

    private static String cpuFlags() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static List<Path> int8Graphs(Path dir) {
        try (Stream<Path> files = Files.walk(dir, 2)) {
            return files.filter(p -> {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return name.endsWith(".onnx") && (name.contains("int8") || name.contains("quantized"));
            }).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
