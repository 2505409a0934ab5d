package dev.discovery.examples;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.grpc.GrpcServerRegistration;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The example gRPC service {@code echo}: one unary method, {@code echo.Echo/Say}, whose answer names the instance
 * that served it. Strings travel as UTF-8 through a hand-written marshaller, so the example needs no protoc.
 * Each server registers itself in Consul through {@link GrpcServerRegistration} and is deregistered when closed.
 */
final class GrpcEchoServer implements AutoCloseable {
  static final String SERVICE = "echo";

  /** UTF-8 strings: the whole wire format of this example. */
  static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** {@code echo.Echo/Say}: a name in, {@code "<instance>: hello <name>"} out. */
  static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("echo.Echo", "Say"))
      .setRequestMarshaller(UTF8)
      .setResponseMarshaller(UTF8)
      .build();

  private final String id;
  private final Server server;
  private final GrpcServerRegistration registration;

  private GrpcEchoServer(String id, Server server, GrpcServerRegistration registration) {
    this.id = id;
    this.server = server;
    this.registration = registration;
  }

  /** Starts a server on {@code host} and a free port and registers it in Consul as instance {@code id} of echo. */
  static GrpcEchoServer start(ConsulAgent agent, String id, String host) throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder("echo.Echo")
        .addMethod(SAY, ServerCalls.asyncUnaryCall((name, response) -> {
          response.onNext(id + ": hello " + name);
          response.onCompleted();
        }))
        .build();
    // Bound to the address it registers, on any free port; the registration takes the port the server got.
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, 0)).addService(service).build().start();
    try {
      return new GrpcEchoServer(id, server, GrpcServerRegistration.register(agent, server,
          ServiceRegistration.builder(SERVICE).id(id).address(host).build()));
    } catch (RuntimeException e) {
      server.shutdownNow();
      throw e;
    }
  }

  /** One call of {@code Say} through {@code channel}, with a deadline; the answer names the instance. */
  static String say(Channel channel, String name) {
    return ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
        name);
  }

  String id() {
    return id;
  }

  int port() {
    return server.getPort();
  }

  /** Deregisters first, so that clients stop picking this instance, then stops the server. */
  @Override
  public void close() {
    registration.close();
    server.shutdown();
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
