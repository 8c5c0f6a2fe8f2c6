package dev.sift.server;

import picocli.CommandLine;

/** The version from the jar manifest, or "development" when run from classes. */
public final class SiftVersion implements CommandLine.IVersionProvider {
    public static String get() {
        String version = SiftVersion.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"sift " + get()};
    }
}
