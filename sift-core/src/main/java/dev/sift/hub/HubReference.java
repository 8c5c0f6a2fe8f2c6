package dev.sift.hub;

import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub: {@code org/name}, {@code org/name@revision} or KServe's
 * {@code hf://org/name[:revision]}. The revision is a branch, a tag or a commit; {@code main} when absent.
 */
public record HubReference(String repoId, String revision) {

    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

    public HubReference {
        if (!REPO.matcher(repoId).matches() || repoId.contains("..")) {
            throw new IllegalArgumentException("not a Hugging Face model id: " + repoId + " (expected org/name)");
        }
        if (revision.isBlank() || revision.contains("..")) throw new IllegalArgumentException("bad revision: " + revision);
    }

    /** Parses a model argument, or returns null when it is not a Hub reference. */
    public static HubReference parse(String model) {
        String spec = model;
        char separator = '@';
        if (spec.startsWith("hf://")) {
            spec = spec.substring("hf://".length());
            separator = ':';
        }
        int at = spec.indexOf(separator);
        String repo = at < 0 ? spec : spec.substring(0, at);
        String revision = at < 0 ? "main" : spec.substring(at + 1);
        if (!REPO.matcher(repo).matches()) return null;
        return new HubReference(repo, revision);
    }

    /** The cache folder name, as huggingface_hub writes it: {@code models--org--name}. */
    public String cacheFolder() {
        return "models--" + repoId.replace("/", "--");
    }

    @Override
    public String toString() {
        return repoId + "@" + revision;
    }
}
