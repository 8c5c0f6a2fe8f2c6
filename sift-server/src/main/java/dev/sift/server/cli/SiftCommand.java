package dev.sift.server.cli;

import dev.sift.server.SiftVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sift}: the command line. */
@Command(name = "sift", mixinStandardHelpOptions = true, versionProvider = SiftVersion.class,
        description = "Reranking and scoring inference server.",
        subcommands = {ServeCommand.class, EvalCommand.class, CommandLine.HelpCommand.class})
public final class SiftCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * The command line as {@code sift} reads it: option names in either vLLM spelling ({@code --model_name} or
     * {@code --model-name}), and an option given twice takes its last value, as argparse does in vLLM and KServe.
     * KServe relies on that: it appends an InferenceService's args to its runtime's, so the InferenceService's
     * {@code --model_name=reranker} overrides the runtime's {@code --model_name={{.Name}}}.
     */
    public static int execute(String... args) {
        return commandLine().execute(VllmStyleArgs.normalize(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new SiftCommand()).setOverwrittenOptionsAllowed(true);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
