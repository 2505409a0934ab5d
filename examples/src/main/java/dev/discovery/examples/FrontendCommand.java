package dev.discovery.examples;

import dev.discovery.ServiceDiscovery;
import dev.discovery.balance.ServiceSelector;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code frontend}: runs the example frontend until stopped. */
@Command(name = "frontend", mixinStandardHelpOptions = true,
    description = "Run the example frontend: GET / calls the 'backend' service, round robin, with one retry.")
final class FrontendCommand implements Callable<Integer> {
  @Mixin DiscoveryOptions discovery;

  @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE})")
  int port;

  @Override
  public Integer call() throws Exception {
    ServiceDiscovery registry = discovery.open();
    FrontendServer server = new FrontendServer(ServiceSelector.builder(registry).build(), "backend")
        .start("127.0.0.1", port);
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
