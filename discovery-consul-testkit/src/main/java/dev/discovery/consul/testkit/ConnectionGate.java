package dev.discovery.consul.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Consul's per-client connection limit ({@code limits.http_max_conns_per_client}) in front of the HTTP server.
 * Consul counts the open TCP connections of each client IP, idle keep-alive ones included; a connection beyond the
 * limit gets {@code HTTP/1.1 429 Too Many Requests} with Consul's text at once, before its request is read, and is
 * closed (agent/agent.go, via hashicorp/go-connlimit). The JDK's HTTP server has no hook at accept time, so this
 * gate accepts the connections itself and relays each admitted one to the server on an internal port: two threads
 * per open connection, which is why the limit is off unless a test asks for it.
 */
final class ConnectionGate implements AutoCloseable {
  /** Consul's text, byte for byte (hashicorp/consul #11030 shows it). */
  static final String TEXT = "Your IP is issuing too many concurrent connections, please rate limit your calls\n";
  private static final byte[] REJECTION = ("HTTP/1.1 429 Too Many Requests\r\n\r\n" + TEXT)
      .getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;
  private final InetSocketAddress target;
  private volatile int limit;
  private final Map<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicLong rejected;
  private final ExecutorService threads;
  private volatile boolean closed;

  private ConnectionGate(ServerSocket server, InetSocketAddress target, int limit, AtomicLong rejected,
      String node) {
    this.server = server;
    this.target = target;
    this.limit = limit;
    this.rejected = rejected;
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "consul-testkit-conn-" + node + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    threads.execute(this::acceptLoop);
  }

  /**
   * Listens on {@code bind:port} and relays to {@code target}.
   *
   * @param rejected counts the connections turned away, across restarts
   */
  static ConnectionGate start(InetAddress bind, int port, InetSocketAddress target, int limit, AtomicLong rejected,
      String node) throws IOException {
    ServerSocket server = Rebind.retrying(port, () -> {
      ServerSocket s = new ServerSocket();
      try {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(bind, port), 1024);
        return s;
      } catch (IOException e) {
        s.close();
        throw e;
      }
    });
    return new ConnectionGate(server, target, limit, rejected, node);
  }

  void limit(int limit) {
    this.limit = limit;
  }

  int port() {
    return server.getLocalPort();
  }

  /** Connections open now, from every client. */
  int openConnections() {
    return open.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      InetAddress ip = client.getInetAddress();
      AtomicInteger count = open.computeIfAbsent(ip, k -> new AtomicInteger());
      if (count.incrementAndGet() > limit) {
        count.decrementAndGet();
        rejected.incrementAndGet();
        reject(client);
        continue;
      }
      try {
        threads.execute(() -> relay(client, count));
      } catch (RuntimeException e) {
        count.decrementAndGet();
        closeQuietly(client);
      }
    }
  }

  private static void reject(Socket client) {
    try (client) {
      client.getOutputStream().write(REJECTION);
      client.getOutputStream().flush();
    } catch (IOException e) {
      // the client went away first
    }
  }

  private void relay(Socket client, AtomicInteger count) {
    Socket upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(target);
      threads.execute(() -> pump(upstream, client));
      pump(client, upstream);
    } catch (IOException | RuntimeException e) {
      // the connection ends
    } finally {
      closeQuietly(client);
      closeQuietly(upstream);
      sockets.remove(client);
      sockets.remove(upstream);
      count.decrementAndGet();
    }
  }

  /** Copies until either side ends, then closes both, so a close on one side reaches the other. */
  private static void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // nothing to do
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    threads.shutdownNow();
  }
}
