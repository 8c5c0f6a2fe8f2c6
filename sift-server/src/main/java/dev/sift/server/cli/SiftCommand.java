package dev.sift.server.cli;

import dev.sift.server.SiftVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sift}: the command line. */
@Command(name = "sift", mixinStandardHelpOptions = true, versionProvider = SiftVersion.class,
        description = "Reranking and scoring inference server.",
        subcommands = {ServeCommand.class, CommandLine.HelpCommand.class})
public final class SiftCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SiftCommand()).execute(args));
    }
}
