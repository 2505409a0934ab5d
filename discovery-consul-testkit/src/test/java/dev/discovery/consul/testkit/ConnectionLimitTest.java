package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code limits.http_max_conns_per_client}: idle connections count; the one beyond gets Consul's 429 and EOF. */
class ConnectionLimitTest {
  private static String readAll(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = new byte[4096];
    int n;
    while ((n = in.read(b)) >= 0) { // the agent closes the connection: EOF ends the loop
      out.write(b, 0, n);
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static String get(Socket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    return readAll(s);
  }

  @Test
  void theConnectionBeyondTheLimitGets429WithConsulsTextAndIsClosed() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(3).start()) {
      List<Socket> idle = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          idle.add(new Socket(agent.httpUri().getHost(), agent.httpPort()));
        }
        Await.until("3 open connection(s)", () -> agent.openConnections() == 3);
        try (Socket fourth = new Socket(agent.httpUri().getHost(), agent.httpPort())) {
          String reply = get(fourth, "/v1/status/leader");
          assertThat(reply).startsWith("HTTP/1.1 429 Too Many Requests\r\n")
              .endsWith("\r\n\r\nYour IP is issuing too many concurrent connections, please rate limit your calls\n");
        }
        assertThat(agent.rejectedConnections()).isEqualTo(1);
        // An admitted connection is served as usual.
        assertThat(get(idle.get(0), "/v1/status/leader")).startsWith("HTTP/1.1 200");
      } finally {
        for (Socket s : idle) {
          s.close();
        }
      }
      Await.until("0 open connection(s)", () -> agent.openConnections() == 0);
      try (Socket again = new Socket(agent.httpUri().getHost(), agent.httpPort())) {
        assertThat(get(again, "/v1/status/leader")).startsWith("HTTP/1.1 200");
      }
    }
  }

  @Test
  void theLimitSurvivesARestartOnTheSamePort() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(1).start()) {
      int port = agent.httpPort();
      agent.restart(true);
      assertThat(agent.httpPort()).isEqualTo(port);
      try (Socket one = new Socket(agent.httpUri().getHost(), port)) {
        Await.until("1 open connection(s)", () -> agent.openConnections() == 1);
        try (Socket two = new Socket(agent.httpUri().getHost(), port)) {
          assertThat(get(two, "/v1/status/leader")).startsWith("HTTP/1.1 429");
        }
        assertThat(get(one, "/v1/status/leader")).startsWith("HTTP/1.1 200");
      }
    }
  }

  @Test
  void withoutALimitThereIsNoGate() {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      assertThat(agent.openConnections()).isEqualTo(-1);
      assertThat(agent.rejectedConnections()).isZero();
    }
  }
}
