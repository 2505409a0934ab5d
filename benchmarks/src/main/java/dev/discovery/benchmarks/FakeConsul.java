package dev.discovery.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ServerSocketFactory;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * The Consul agent every library under test talks to, on loopback: {@code GET /v1/health/service/:name} in
 * Consul's wire format, with {@code ?passing} and blocking queries ({@code index} + {@code wait}, returning
 * as soon as the service changes, else after the wait plus up to wait/16 of jitter, as Consul does).
 *
 * <p>It lives here rather than in the testkit because the benchmarks need only this one endpoint plus
 * exact request counts per path, and must not depend on a stand-in still being written; peers and ours
 * see the very same server, so the comparison stays fair.
 */
public final class FakeConsul implements AutoCloseable {
  private static final String HEALTH_PREFIX = "/v1/health/service/";
  private static final long MAX_WAIT_MILLIS = TimeUnit.MINUTES.toMillis(10);
  private static final long DEFAULT_WAIT_MILLIS = TimeUnit.MINUTES.toMillis(5);

  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final Map<String, Service> services = new LinkedHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
  private long raftIndex = 10;

  /** Starts the agent on an ephemeral loopback port. */
  public static FakeConsul start() throws IOException {
    FakeConsul consul = new FakeConsul();
    consul.server.setDispatcher(consul.new HealthDispatcher());
    consul.server.setServerSocketFactory(new NoDelayServerSocketFactory());
    consul.server.start(InetAddress.getByName("127.0.0.1"), 0);
    return consul;
  }

  /** {@code http://127.0.0.1:port}. */
  public URI httpUri() {
    return URI.create("http://127.0.0.1:" + server.getPort());
  }

  /** The agent's port. */
  public int port() {
    return server.getPort();
  }

  /** Registers {@code count} passing instances of {@code service}: ids {@code service-i}, port base+i. */
  public void register(String service, int count, int basePort) {
    synchronized (lock) {
      Service s = services.computeIfAbsent(service, Service::new);
      for (int i = 0; i < count; i++) {
        s.instances.add(new Instance(service + "-" + i, "10.0." + (i / 250) + "." + (i % 250 + 1), basePort + i));
      }
      touch(s);
    }
  }

  /** Sets the service check of one instance to passing or critical, waking blocked queries at once. */
  public void setPassing(String service, String instanceId, boolean passing) {
    synchronized (lock) {
      Service s = services.get(service);
      if (s == null) {
        throw new IllegalArgumentException("no service '" + service + "' registered in the fake agent");
      }
      for (Instance instance : s.instances) {
        if (instance.id.equals(instanceId)) {
          if (instance.passing != passing) {
            instance.passing = passing;
            touch(s);
          }
          return;
        }
      }
      throw new IllegalArgumentException("no instance '" + instanceId + "' of '" + service + "'");
    }
  }

  /** How many requests reached {@code path} (without query string) since start or the last reset. */
  public long requestCount(String path) {
    LongAdder adder = requests.get(path);
    return adder == null ? 0 : adder.sum();
  }

  /** Requests to every path since start or the last reset. */
  public long totalRequests() {
    long total = 0;
    for (LongAdder adder : requests.values()) {
      total += adder.sum();
    }
    return total;
  }

  /** Forgets the request counts. */
  public void resetCounts() {
    requests.clear();
  }

  private void touch(Service s) {
    s.modifyIndex = ++raftIndex;
    s.body = null;
    lock.notifyAll();
  }

  @Override
  public void close() throws IOException {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    server.shutdown();
  }

  private boolean closed;

  private final class HealthDispatcher extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      String path = request.getRequestUrl().encodedPath();
      requests.computeIfAbsent(path, p -> new LongAdder()).increment();
      if (!"GET".equals(request.getMethod()) || !path.startsWith(HEALTH_PREFIX)) {
        return new MockResponse().setResponseCode(404).setBody("fake agent: no route for " + path);
      }
      String name = path.substring(HEALTH_PREFIX.length());
      String passingParam = request.getRequestUrl().queryParameter("passing");
      boolean passingOnly = request.getRequestUrl().queryParameterNames().contains("passing")
          && !"false".equalsIgnoreCase(passingParam) && !"0".equals(passingParam);
      long index = parseLong(request.getRequestUrl().queryParameter("index"));
      long waitMillis = parseWait(request.getRequestUrl().queryParameter("wait"));

      String body;
      long modifyIndex;
      synchronized (lock) {
        Service s = services.get(name);
        if (index > 0 && s != null) {
          long deadline = System.currentTimeMillis() + waitMillis
              + ThreadLocalRandom.current().nextLong(waitMillis / 16 + 1);
          while (!closed && s.modifyIndex <= index) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
              break;
            }
            lock.wait(left);
          }
        }
        if (closed) {
          return new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START);
        }
        modifyIndex = s == null ? raftIndex : s.modifyIndex;
        body = s == null ? "[]" : s.json(passingOnly);
      }
      return new MockResponse()
          .setHeader("Content-Type", "application/json")
          .setHeader("X-Consul-Index", Long.toString(modifyIndex))
          .setHeader("X-Consul-Knownleader", "true")
          .setHeader("X-Consul-Lastcontact", "0")
          .setBody(body);
    }
  }

  private static long parseLong(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Go durations as clients send them: "10s", "5m", "500ms", "1m30s". */
  static long parseWait(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_WAIT_MILLIS;
    }
    long totalMillis = 0;
    int i = 0;
    while (i < value.length()) {
      int start = i;
      while (i < value.length() && (Character.isDigit(value.charAt(i)) || value.charAt(i) == '.')) {
        i++;
      }
      double amount = Double.parseDouble(value.substring(start, i));
      int unitStart = i;
      while (i < value.length() && Character.isLetter(value.charAt(i))) {
        i++;
      }
      String unit = value.substring(unitStart, i);
      double millis = switch (unit) {
        case "ms" -> 1;
        case "s", "" -> 1000;
        case "m" -> 60_000;
        case "h" -> 3_600_000;
        default -> throw new IllegalArgumentException("fake agent: unsupported wait unit in '" + value + "'");
      };
      totalMillis += (long) (amount * millis);
    }
    return Math.min(Math.max(totalMillis, 1), MAX_WAIT_MILLIS);
  }

  /**
   * MockWebServer writes a response's head and body separately; with Nagle's algorithm on, the body then
   * waits for the client's delayed ACK (~40 ms on Linux). Go's net/http, and so Consul, disables Nagle.
   */
  private static final class NoDelayServerSocketFactory extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket socket = super.accept();
          socket.setTcpNoDelay(true);
          return socket;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      throw new UnsupportedOperationException("bind through createServerSocket()");
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      throw new UnsupportedOperationException("bind through createServerSocket()");
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
      throw new UnsupportedOperationException("bind through createServerSocket()");
    }
  }

  private static final class Service {
    final String name;
    final List<Instance> instances = new ArrayList<>();
    long modifyIndex;
    String body;
    boolean bodyPassingOnly;

    Service(String name) {
      this.name = name;
    }

    String json(boolean passingOnly) {
      if (body != null && bodyPassingOnly == passingOnly) {
        return body;
      }
      StringBuilder sb = new StringBuilder(256 * instances.size() + 2).append('[');
      boolean first = true;
      for (Instance instance : instances) {
        if (passingOnly && !instance.passing) {
          continue;
        }
        if (!first) {
          sb.append(',');
        }
        first = false;
        instance.appendJson(name, sb);
      }
      body = sb.append(']').toString();
      bodyPassingOnly = passingOnly;
      return body;
    }
  }

  private static final class Instance {
    final String id;
    final String address;
    final int port;
    volatile boolean passing = true;

    Instance(String id, String address, int port) {
      this.id = id;
      this.address = address;
      this.port = port;
    }

    void appendJson(String service, StringBuilder sb) {
      String node = "node-" + id;
      sb.append("{\"Node\":{\"ID\":\"").append(java.util.UUID.nameUUIDFromBytes(node.getBytes()))
          .append("\",\"Node\":\"").append(node).append("\",\"Address\":\"").append(address)
          .append("\",\"Datacenter\":\"dc1\",\"TaggedAddresses\":{\"lan\":\"").append(address)
          .append("\",\"wan\":\"").append(address).append("\"},\"Meta\":{}},")
          .append("\"Service\":{\"ID\":\"").append(id).append("\",\"Service\":\"").append(service)
          .append("\",\"Tags\":[\"primary\"],\"Address\":\"").append(address)
          .append("\",\"Meta\":{\"version\":\"1\"},\"Port\":").append(port)
          .append(",\"Weights\":{\"Passing\":1,\"Warning\":1},\"EnableTagOverride\":false,\"Namespace\":\"default\"},")
          .append("\"Checks\":[{\"Node\":\"").append(node)
          .append("\",\"CheckID\":\"serfHealth\",\"Name\":\"Serf Health Status\",\"Status\":\"passing\",")
          .append("\"Notes\":\"\",\"Output\":\"\",\"ServiceID\":\"\",\"ServiceName\":\"\",\"ServiceTags\":[],")
          .append("\"Namespace\":\"default\"},{\"Node\":\"").append(node).append("\",\"CheckID\":\"service:")
          .append(id).append("\",\"Name\":\"Service '").append(service).append("' check\",\"Status\":\"")
          .append(passing ? "passing" : "critical").append("\",\"Notes\":\"\",\"Output\":\"\",\"ServiceID\":\"")
          .append(id).append("\",\"ServiceName\":\"").append(service)
          .append("\",\"ServiceTags\":[\"primary\"],\"Namespace\":\"default\"}]}");
    }
  }
}
