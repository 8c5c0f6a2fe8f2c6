package dev.sift.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory, from Linux's {@code /proc/self/statm}: what a model's loading adds to it is the
 * figure that matters for sizing a container (ONNX Runtime's allocations are native, invisible to the JVM's heap).
 */
final class ResidentMemory {
    private static final Path STATM = Path.of("/proc/self/statm");
    private static final long PAGE = 4096;

    private ResidentMemory() {}

    /** Resident bytes now, or -1 where the system does not say. */
    static long bytes() {
        try {
            String[] fields = Files.readString(STATM).trim().split(" ");
            return Long.parseLong(fields[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
