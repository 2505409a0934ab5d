package dev.discovery.mesos.bridge;

import static dev.discovery.mesos.bridge.BridgeIntegrationTest.awaitDeadline;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Mesos read that does not finish names why: a master that never accepts the connection (unreachable: a longer
 * time-out would not help), one that accepts and does not answer in time (raise --mesos-timeout), and the bridge's
 * own shutdown cutting a read short (no fault at all, so nothing at ERROR).
 */
class MesosReadMessagesTest {
  private Cluster cluster;
  private CapturedLogs logs;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    cluster = new Cluster();
    logs = new CapturedLogs();
  }

  @AfterEach
  void stop() throws Exception {
    logs.close();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    cluster.close();
    http.dispatcher().executorService().shutdown();
  }

  private Bridge bridge(BridgeConfig cfg) throws Exception {
    ConsulAgents agents = new ConsulAgentPool(cfg::agentUri, null, null, cfg.consulTimeout, null);
    Bridge b = new Bridge(cfg, agents, null, http, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    closeables.add(b);
    b.start();
    return b;
  }

  @Test
  void aMasterThatAcceptsButDoesNotAnswerInTimeSuggestsALongerTimeout() throws Exception {
    cluster.serve(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    BridgeConfig cfg = cluster.config();
    cfg.mesosTimeout = Duration.ofMillis(300);
    Bridge b = bridge(cfg);
    assertThat(b.runPass().success()).isFalse();
    assertThat(logs.at(Level.SEVERE)).containsExactly("SEVERE Mesos state unavailable, pass skipped, nothing changed"
        + " in Consul: timed out reading " + cluster.masterUrl() + "/master/state (connected, but the state did not"
        + " arrive within --mesos-timeout); raise --mesos-timeout for very large clusters");
  }

  @Test
  void aMasterThatNeverAcceptsTheConnectionIsCalledUnreachableNotSlow() throws Exception {
    // A listening socket whose accept queue is full and never drained: Linux drops further SYNs, so a connect
    // times out, as toward a filtered or vanished host, but on loopback.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      List<Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          Socket s = new Socket();
          fillers.add(s);
          try {
            s.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 200);
          } catch (java.io.IOException queueFull) {
            break;
          }
        }
        BridgeConfig cfg = cluster.config();
        cfg.mesos = URI.create("http://127.0.0.1:" + full.getLocalPort());
        cfg.mesosTimeout = Duration.ofMillis(300);
        Bridge b = bridge(cfg);
        assertThat(b.runPass().success()).isFalse();
        assertThat(logs.at(Level.SEVERE)).singleElement().asString().startsWith("SEVERE Mesos state unavailable,"
            + " pass skipped, nothing changed in Consul: the Mesos master at 127.0.0.1:" + full.getLocalPort()
            + " did not accept a connection within --mesos-timeout (").endsWith("); it is unreachable from this"
            + " host: check that it runs and that no firewall drops the connection")
            .doesNotContain("raise --mesos-timeout");
      } finally {
        for (Socket s : fillers) {
          s.close();
        }
      }
    }
  }

  @Test
  void aBridgeClosedDuringAMesosReadLogsNoError() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    cluster.master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        asked.countDown();
        release.await(20, TimeUnit.SECONDS); // the state is slow to come, as on a large cluster
        return new MockResponse().setBody("{}");
      }
    });
    closeables.add(release::countDown);
    BridgeConfig cfg = cluster.config();
    cfg.mesosTimeout = Duration.ofMillis(500);
    Bridge b = bridge(cfg);
    b.schedule();
    assertThat(asked.await(20, TimeUnit.SECONDS)).isTrue();
    b.close(); // shutdownNow interrupts the pass while it reads
    assertThat(logs.at(Level.SEVERE)).as("ERROR lines from a bridge closed mid-read").isEmpty();
    assertThat(logs.lines()).noneMatch(l -> l.contains("Mesos state unavailable"));
    assertThat(b.metrics().mesosErrors.sum()).isZero();
  }
}
