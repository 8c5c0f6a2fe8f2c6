package dev.sift.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.model.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming each tensor's type,
 * shape and byte range, then the raw data. The header is checked whole when the file is opened, so a truncated
 * or inconsistent file is refused at start-up naming the tensor at fault; a tensor's bytes are memory-mapped
 * only when asked for.
 */
final class SafetensorsFile {

    /** The format's own cap (safetensors refuses larger headers), and a guard against reading garbage as a length. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor's entry in the header; {@code dtype} is the header's name, which Sift may not read. */
    private record Entry(String dtype, long[] shape, long begin, long end) {}

    private final Path file;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path file, long dataStart, Map<String, Entry> entries) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    static SafetensorsFile open(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || channel.read(lengthBytes, 0) != 8) throw refuse(file, "it is shorter than its 8-byte header length");
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw refuse(file, "its header length " + headerLength + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining()) {
                if (channel.read(header, 8 + header.position()) < 0) throw refuse(file, "its header is cut short");
            }
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw refuse(file, "its header is not JSON (" + e.getMessage() + ")");
            }
            if (root == null || !root.isObject()) throw refuse(file, "its header is not a JSON object");
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (var field : root.properties()) {
                if (field.getKey().equals("__metadata__")) continue;
                entries.put(field.getKey(), entry(file, field.getKey(), field.getValue(), dataSize));
            }
            return new SafetensorsFile(file, dataStart, Collections.unmodifiableMap(entries));
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataSize) {
        JsonNode offsets = node.path("data_offsets");
        JsonNode shapeNode = node.path("shape");
        if (!node.path("dtype").isTextual() || !shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw refuse(file, "tensor " + name + " has no dtype, shape and data_offsets in the header");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) throw refuse(file, "tensor " + name + " has a negative or malformed dimension " + shapeNode);
            elements = Math.multiplyExact(elements, shape[i]);
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin) throw refuse(file, "tensor " + name + " has data_offsets " + offsets);
        if (end > dataSize) {
            throw refuse(file, "tensor " + name + " ends at byte " + end + " of the data but the file holds only "
                    + dataSize + " (the file is truncated: download it again)");
        }
        String dtype = node.get("dtype").asText();
        DType known = DType.fromSafetensors(dtype).orElse(null);
        if (known != null && end - begin != elements * known.bytes()) {
            throw refuse(file, "tensor " + name + " is " + dtype + " " + shapeNode + " (" + elements * known.bytes()
                    + " bytes) but its data_offsets span " + (end - begin) + " bytes");
        }
        return new Entry(dtype, shape, begin, end);
    }

    Set<String> names() {
        return entries.keySet();
    }

    /** Maps the tensor's bytes read-only; the mapping lives as long as the returned buffer is reachable. */
    TensorData tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException(name + " is not in " + file);
        DType dtype = DType.fromSafetensors(e.dtype()).orElseThrow(() -> new ModelException("tensor " + name + " in "
                + file + " is " + e.dtype() + "; Sift reads F32, F16 and BF16 weights"));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer bytes = e.end() == e.begin() ? ByteBuffer.allocateDirect(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
            return new TensorData(name, dtype, e.shape(), bytes.order(ByteOrder.LITTLE_ENDIAN),
                    file.getFileName().toString(), dataStart + e.begin());
        } catch (IOException ex) {
            throw new ModelException("cannot map tensor " + name + " of " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static ModelException refuse(Path file, String why) {
        return new ModelException("cannot read safetensors file " + file + ": " + why);
    }
}
