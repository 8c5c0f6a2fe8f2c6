package dev.sift.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes safetensors files in tests, to reshard a fixture or break one on purpose. */
public final class SafetensorsFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor as the header names it, with its raw bytes. */
    public record Tensor(String dtype, List<Long> shape, byte[] data) {}

    private SafetensorsFiles() {}

    public static Map<String, Tensor> read(Path file) {
        try {
            ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = (int) all.getLong(0);
            JsonNode header = JSON.readTree(new String(all.array(), 8, headerLength, StandardCharsets.UTF_8));
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var e : header.properties()) {
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                int begin = 8 + headerLength + t.get("data_offsets").get(0).asInt();
                int end = 8 + headerLength + t.get("data_offsets").get(1).asInt();
                List<Long> shape = new java.util.ArrayList<>();
                t.get("shape").forEach(d -> shape.add(d.asLong()));
                byte[] data = new byte[end - begin];
                System.arraycopy(all.array(), begin, data, 0, data.length);
                tensors.put(e.getKey(), new Tensor(t.get("dtype").asText(), shape, data));
            }
            return tensors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, Map<String, Tensor> tensors) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype());
            e.getValue().shape().forEach(t.putArray("shape")::add);
            t.putArray("data_offsets").add(offset).add(offset + e.getValue().data().length);
            offset += e.getValue().data().length;
        }
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8; // data starts 8-byte aligned, as the reference writer does
        ByteBuffer out = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) out.put((byte) ' ');
        tensors.values().forEach(t -> out.put(t.data()));
        try {
            Files.write(file, out.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
