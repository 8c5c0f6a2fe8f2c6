package dev.sift.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the int8 graph to run among those a model repository ships. sentence-transformers and Optimum name them
 * by the instruction set they were quantized for: {@code model_qint8_avx512_vnni.onnx} (signed weights, for VNNI),
 * {@code model_qint8_avx512.onnx}, {@code model_quint8_avx2.onnx} (unsigned, reduced range, which avoids
 * saturation without VNNI) and {@code model_qint8_arm64.onnx}. Any of them runs anywhere. On x86 the signed ones
 * come first, also on AVX2: ONNX Runtime's u8s8 kernels run them about twice as fast there as the u8u8 kernels run
 * the unsigned one, which is barely faster than float32 (docs/int8.md); then any other int8 graph in the folder.
 */
public final class QuantizedGraphs {
    private QuantizedGraphs() {}

    static Path find(Path dir) {
        return lookup(dir).orElseThrow(() -> new ModelException("--int8: no quantized ONNX graph in " + dir
                + " (looked for " + String.join(", ", preferredNames()) + " and any *int8*.onnx or *quantized*.onnx); make one with: optimum-cli onnxruntime quantize --onnx_model"
                + " <folder> --avx512_vnni -o <output folder>"));
    }

    /** Whether the folder ships an int8 graph. */
    static boolean present(Path dir) {
        return lookup(dir).isPresent();
    }

    private static Optional<Path> lookup(Path dir) {
        for (String name : preferredNames()) {
            for (Path candidate : List.of(dir.resolve("onnx").resolve(name), dir.resolve(name))) {
                if (Files.isRegularFile(candidate)) return Optional.of(candidate);
            }
        }
        return int8Graphs(dir).stream().findFirst();
    }

    /** The variant names in order of preference for this machine's CPU. */
    public static List<String> preferredNames() {
        return preference(CpuFlags.read(), System.getProperty("os.arch", ""));
    }

    /** The variant names in order of preference for a CPU with these /proc/cpuinfo flags. */
    static List<String> preference(String flags, String arch) {
        Set<String> order = new LinkedHashSet<>();
        if (arch.contains("aarch64") || arch.contains("arm")) order.add("model_qint8_arm64.onnx");
        if (CpuFlags.has(flags, "avx512f") && !CpuFlags.has(flags, "avx512_vnni")) order.add("model_qint8_avx512.onnx");
        order.addAll(List.of("model_qint8_avx512_vnni.onnx", "model_qint8_avx512.onnx", "model_quint8_avx2.onnx",
                "model_qint8_arm64.onnx"));
        return List.copyOf(order);
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
