package dev.sift.graph;

import dev.sift.graph.onnx.OnnxIr.AttributeProto;
import dev.sift.graph.onnx.OnnxIr.AttributeProto.AttributeType;
import java.nio.charset.StandardCharsets;

/** A node attribute, made by name and value. */
public record Attr(AttributeProto proto) {

    public static Attr i(String name, long value) {
        return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build());
    }

    public static Attr f(String name, float value) {
        return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build());
    }

    public static Attr s(String name, String value) {
        return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFrom(value, StandardCharsets.UTF_8)).build());
    }

    public static Attr ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long v : values) b.addInts(v);
        return new Attr(b.build());
    }
}
