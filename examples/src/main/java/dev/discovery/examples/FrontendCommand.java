package dev.discovery.examples;

import dev.discovery.ServiceDiscovery;
import dev.discovery.balance.ServiceSelector;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code frontend}: runs the example frontend until stopped. */
@Command(name = "frontend", mixinStandardHelpOptions = true,
    description = "Run the example frontend: GET / calls the 'backend' service, round robin, with one retry.")
final class FrontendCommand implements Callable<Integer> {
  @Mixin DiscoveryOptions discovery;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    discovery.validate(spec.commandLine());
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be within 0..65535 (0: any free port), was "
          + port);
    }
    ServiceDiscovery registry = discovery.open();
    FrontendServer server;
    try {
      server = new FrontendServer(registry, ServiceSelector.builder(registry).build(), "backend")
          .start("127.0.0.1", port);
    } catch (java.net.BindException e) {
      registry.close();
      spec.commandLine().getErr().println("frontend: cannot listen on 127.0.0.1:" + port + " (" + e.getMessage()
          + "); choose another port with --port=PORT (0: any free port)");
      return Main.FAILED;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      registry.close();
      stopped.countDown();
    }));
    System.out.println("frontend on " + server.uri() + ", discovering 'backend' through " + discovery.describe());
    stopped.await();
    return 0;
  }
}
