package dev.discovery.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real gRPC server on 127.0.0.1 (or another loopback address) and an ephemeral port whose one method answers with the server's name. */
final class EchoServer implements AutoCloseable {
  /** Strings as UTF-8: enough for a test, no protoc. */
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

  static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("echo.Echo", "Say"))
      .setRequestMarshaller(UTF8)
      .setResponseMarshaller(UTF8)
      .build();

  final String name;
  final Server server;
  final AtomicInteger calls = new AtomicInteger();

  private EchoServer(String name, String host) throws IOException {
    this.name = name;
    ServerServiceDefinition service = ServerServiceDefinition.builder("echo.Echo")
        .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
          calls.incrementAndGet();
          response.onNext(name);
          response.onCompleted();
        }))
        .build();
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, 0)).addService(service).build()
        .start();
  }

  static EchoServer start(String name) {
    try {
      return new EchoServer(name, "127.0.0.1");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server bound to {@code host} (e.g. {@code ::1}); fails with the bind's own exception if it cannot bind. */
  static EchoServer startOn(String name, String host) throws IOException {
    return new EchoServer(name, host);
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
