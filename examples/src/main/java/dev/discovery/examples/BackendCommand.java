package dev.discovery.examples;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code backend}: runs one example backend until stopped (SIGTERM deregisters it). */
@Command(name = "backend", mixinStandardHelpOptions = true,
    description = "Run an example backend that registers itself in Consul and answers GET /hello.")
final class BackendCommand implements Callable<Integer> {
  @Option(names = "--consul", paramLabel = "URL", defaultValue = "http://127.0.0.1:8500",
      description = "Consul agent HTTP address (default: ${DEFAULT-VALUE})")
  URI consul;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the ACL token (needs service:write on 'backend'); default: no token")
  Path tokenFile;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
      description = "Port to listen on (default: any free port)")
  int port;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on and register (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--id", paramLabel = "ID", description = "Instance id (default: backend-PORT)")
  String id;

  @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10s",
      description = "TTL of the health check, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE})")
  String ttl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Duration checkTtl;
    try {
      checkTtl = DiscoveryOptions.parseDuration(ttl, "--ttl");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (tokenFile != null && !java.nio.file.Files.isReadable(tokenFile)) {
      throw new ParameterException(spec.commandLine(), "--token-file: cannot read '" + tokenFile
          + "'; check the path and its permissions");
    }
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be within 0..65535 (0: any free port), was "
          + port);
    }
    int listenPort = port == 0 ? freePort() : port;
    String instanceId = id != null ? id : "backend-" + listenPort;
    BackendServer backend;
    try {
      backend = new BackendServer(consul, tokenFile, "backend", instanceId, checkTtl);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--consul or --token-file: " + e.getMessage());
    }
    BackendServer server;
    try {
      server = backend.start(host, listenPort);
    } catch (java.net.BindException e) {
      spec.commandLine().getErr().println("backend: cannot listen on " + host + ":" + listenPort + " ("
          + e.getMessage() + "); choose another port with --port=PORT (0: any free port) or another --host");
      return Main.FAILED;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // The JVM runs shutdown hooks on SIGTERM and Ctrl-C: deregister before exiting.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }));
    System.out.println(instanceId + " listening on " + host + ":" + server.port() + ", registered in " + consul
        + " with a " + ttl + " TTL check; stop it with Ctrl-C or SIGTERM to deregister it");
    System.out.flush();
    stopped.await();
    return 0;
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
