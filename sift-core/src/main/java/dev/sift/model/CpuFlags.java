package dev.sift.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The instruction-set flags of this machine's CPU, as /proc/cpuinfo lists them (empty where it cannot be read). */
public final class CpuFlags {

    private CpuFlags() {}

    public static String read() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Whether the space-separated {@code flags} include {@code flag}. */
    public static boolean has(String flags, String flag) {
        return (" " + flags + " ").contains(" " + flag + " ");
    }
}
