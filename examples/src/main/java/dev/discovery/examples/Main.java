package dev.discovery.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code discovery-examples.jar}: the demo, the lookup tool, and the example apps. */
@Command(name = "discovery-examples", mixinStandardHelpOptions = true,
    subcommands = {DemoCommand.class, LookupCommand.class, BackendCommand.class, FrontendCommand.class},
    description = "Examples of the discovery library: demo, lookup, backend, frontend.")
public final class Main implements Runnable {

  /** Runs a subcommand and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  /** Runs with the given output streams, for tests. */
  static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setOut(out);
    commandLine.setErr(err);
    return commandLine.execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
