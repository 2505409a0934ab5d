package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A restart re-binds its previous ports; a port another socket holds for a moment must not fail it. */
class RebindTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void aPortTakenAtTheFirstAttemptIsBoundOnTheNext() throws Exception {
    ServerSocket taker = new ServerSocket(0, 1, LOOPBACK);
    int port = taker.getLocalPort();
    AtomicInteger attempts = new AtomicInteger();
    HttpServer server = Rebind.retrying(port, () -> {
      attempts.incrementAndGet();
      try {
        return HttpServer.create(new InetSocketAddress(LOOPBACK, port), 0);
      } catch (BindException e) {
        taker.close(); // the port is given back only after a real failed attempt, so no timing is involved
        throw e;
      }
    });
    try {
      assertThat(attempts.get()).as("attempts, the first one against the taken port").isEqualTo(2);
      assertThat(server.getAddress().getPort()).isEqualTo(port);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aPortThatStaysTakenFailsAfterABoundedNumberOfAttempts() throws Exception {
    try (ServerSocket taker = new ServerSocket(0, 1, LOOPBACK)) {
      int port = taker.getLocalPort();
      AtomicInteger attempts = new AtomicInteger();
      assertThatThrownBy(() -> Rebind.retrying(port, () -> {
        attempts.incrementAndGet();
        return HttpServer.create(new InetSocketAddress(LOOPBACK, port), 0);
      })).isInstanceOf(BindException.class);
      assertThat(attempts.get()).isEqualTo(Rebind.ATTEMPTS);
    }
  }
}
