package dev.sift.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the Hub is and where its cache lives, read from the same environment variables as Python's
 * huggingface_hub, so that both share one cache.
 *
 * @param endpoint the Hub ({@code HF_ENDPOINT}, default https://huggingface.co)
 * @param cache    the cache root ({@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 *                 {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub})
 * @param token    {@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH} or {@code $HF_HOME/token}; null for none. Sent
 *                 to the Hub's host only and never logged.
 * @param offline  {@code HF_HUB_OFFLINE} (or the legacy {@code TRANSFORMERS_OFFLINE}) is set: no network at all
 */
public record HubSettings(String endpoint, Path cache, String token, boolean offline) {

    public static HubSettings fromEnvironment() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static HubSettings from(Map<String, String> env, Path home) {
        String endpoint = env.getOrDefault("HF_ENDPOINT", "https://huggingface.co");
        while (endpoint.endsWith("/")) endpoint = endpoint.substring(0, endpoint.length() - 1);
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME"))
                : env.containsKey("XDG_CACHE_HOME") ? Path.of(env.get("XDG_CACHE_HOME"), "huggingface")
                : home.resolve(".cache").resolve("huggingface");
        Path cache = env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE"))
                : env.containsKey("HUGGINGFACE_HUB_CACHE") ? Path.of(env.get("HUGGINGFACE_HUB_CACHE"))
                : hfHome.resolve("hub");
        String token = env.get("HF_TOKEN");
        if (token == null || token.isBlank()) {
            Path file = env.containsKey("HF_TOKEN_PATH") ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
            try {
                token = Files.isRegularFile(file) ? Files.readString(file).trim() : null;
            } catch (IOException e) {
                token = null;
            }
        }
        if (token != null && token.isBlank()) token = null;
        boolean offline = truthy(env.get("HF_HUB_OFFLINE")) || truthy(env.get("TRANSFORMERS_OFFLINE"));
        return new HubSettings(endpoint, cache, token, offline);
    }

    private static boolean truthy(String value) {
        return value != null && (value.equals("1") || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("yes")
                || value.equalsIgnoreCase("on"));
    }

    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cache=" + cache + ", token=" + (token == null ? "none" : "set")
                + ", offline=" + offline + "]";
    }
}
