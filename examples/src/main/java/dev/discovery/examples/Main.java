package dev.discovery.examples;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code discovery-examples.jar}: the demo, the lookup tool, and the example apps. */
@Command(name = "discovery-examples", mixinStandardHelpOptions = true,
    subcommands = {DemoCommand.class, LookupCommand.class, BackendCommand.class, FrontendCommand.class,
        GrpcDemoCommand.class},
    description = "Examples of the discovery library: demo, lookup, backend, frontend, grpc-demo.")
public final class Main implements Runnable {
  /** Exit code of a usage error (picocli's too). */
  static final int USAGE = 2;
  /** Exit code of a command that failed while running (not the lookup tool, which maps its own failures). */
  static final int FAILED = 1;

  /** Runs a subcommand and exits with its code. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("lookup")) {
      quietLibraryLogs();
    }
    System.exit(commandLine().execute(args));
  }

  /** Runs with the given output streams, for tests. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = commandLine();
    commandLine.setOut(out);
    commandLine.setErr(err);
    return commandLine.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setParameterExceptionHandler(Main::usageError);
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // One line, not a stack trace: what failed and the library's own "what to do" text.
      cmd.getErr().println(cmd.getCommandName() + ": " + oneLine(String.valueOf(e.getMessage())));
      cmd.getErr().flush();
      return FAILED;
    });
    return commandLine;
  }

  /** A usage error is one line on stderr: the problem, then where to look for the fix. Exit code 2. */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String qualified = cmd.getCommandSpec().qualifiedName();
    cmd.getErr().println(cmd.getCommandName() + ": " + oneLine(e.getMessage()) + "; see '" + qualified + " --help'");
    cmd.getErr().flush();
    return USAGE;
  }

  static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /**
   * The lookup tool reports every problem itself, in one line on stderr; the library's log lines (a refresh
   * that failed, and so on) would only repeat them in another format.
   */
  private static void quietLibraryLogs() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    QUIET.setLevel(java.util.logging.Level.OFF);
  }

  /** Held so that the level set on it lasts: java.util.logging keeps loggers only weakly. */
  private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("dev.discovery");

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
