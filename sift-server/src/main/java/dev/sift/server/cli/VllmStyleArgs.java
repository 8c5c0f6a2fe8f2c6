package dev.sift.server.cli;

/**
 * Option names as vLLM's {@code FlexibleArgumentParser} reads them: {@code --max_model_len} is {@code --max-model-len}.
 * KServe's runtimes and many vLLM recipes write flags with underscores ({@code --model_name}, {@code --http_port}), so
 * Sift accepts both spellings. Only the name before any {@code =} is rewritten, never a value, and nothing after a
 * bare {@code --}.
 */
final class VllmStyleArgs {
    private VllmStyleArgs() {}

    static String[] normalize(String[] args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            String arg = out[i];
            if (arg.equals("--")) break;
            if (!arg.startsWith("--")) continue;
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            out[i] = name.replace('_', '-') + (equals < 0 ? "" : arg.substring(equals));
        }
        return out;
    }
}
