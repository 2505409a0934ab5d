package dev.discovery.consul.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves {@link DnsResponder} on one port over UDP and TCP (two-byte length framing, several queries each). */
final class DnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
  private static final int TCP_IDLE_MILLIS = 10_000;

  private final DnsResponder responder;
  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final ExecutorService workers;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private DnsServer(DnsResponder responder, DatagramSocket udp, ServerSocket tcp, String name) {
    this.responder = responder;
    this.udp = udp;
    this.tcp = tcp;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "consul-testkit-dns-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    workers.execute(this::serveUdp);
    workers.execute(this::acceptTcp);
  }

  /** Binds UDP and TCP on the same port; with port 0 picks a free port that is free for both. */
  static DnsServer start(DnsResponder responder, InetAddress bind, int port, String name) throws IOException {
    try {
      // A fixed port just released by a restart can take a moment to become bindable again.
      return Rebind.retrying(port, () -> {
        DatagramSocket udp = new DatagramSocket(null);
        try {
          udp.setReuseAddress(true);
          udp.bind(new InetSocketAddress(bind, port));
          ServerSocket tcp = new ServerSocket();
          tcp.setReuseAddress(true);
          try {
            tcp.bind(new InetSocketAddress(bind, udp.getLocalPort()), 128);
          } catch (IOException e) {
            tcp.close();
            throw e;
          }
          return new DnsServer(responder, udp, tcp, name);
        } catch (IOException | RuntimeException e) {
          udp.close();
          throw e;
        }
      });
    } catch (BindException last) {
      throw new IOException("cannot bind DNS on " + bind.getHostAddress() + ":" + port + " for both UDP and TCP"
          + " (is the port in use? pick another with dnsPort(...) or use 0 for an ephemeral port)", last);
    }
  }

  int port() {
    return udp.getLocalPort();
  }

  private void serveUdp() {
    byte[] buffer = new byte[65535];
    while (!closed) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        udp.receive(packet);
        byte[] query = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset()
            + packet.getLength());
        byte[] response = responder.respond(query, false);
        if (response != null) {
          udp.send(new DatagramPacket(response, response.length, packet.getSocketAddress()));
        }
      } catch (IOException e) {
        if (!closed) {
          log.debug("UDP DNS receive/send failed: {}", e.toString());
        }
      } catch (RuntimeException e) {
        log.warn("UDP DNS query failed", e);
      }
    }
  }

  private void acceptTcp() {
    while (!closed) {
      try {
        Socket s = tcp.accept();
        connections.add(s);
        workers.execute(() -> serveTcp(s));
      } catch (IOException e) {
        if (!closed) {
          log.debug("TCP DNS accept failed: {}", e.toString());
        }
      } catch (RuntimeException e) {
        log.warn("TCP DNS accept failed", e);
      }
    }
  }

  private void serveTcp(Socket s) {
    try (s) {
      s.setSoTimeout(TCP_IDLE_MILLIS);
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (!closed) {
        int length = in.readUnsignedShort();
        byte[] query = in.readNBytes(length);
        if (query.length < length) {
          return;
        }
        byte[] response = responder.respond(query, true);
        if (response == null) {
          return; // dropped: close without answering
        }
        byte[] framed = new byte[response.length + 2];
        framed[0] = (byte) (response.length >>> 8);
        framed[1] = (byte) response.length;
        System.arraycopy(response, 0, framed, 2, response.length);
        out.write(framed);
        out.flush();
      }
    } catch (EOFException | SocketException e) {
      // client closed or idle timeout
    } catch (IOException e) {
      log.debug("TCP DNS connection failed: {}", e.toString());
    } catch (RuntimeException e) {
      log.warn("TCP DNS query failed", e);
    } finally {
      connections.remove(s);
    }
  }

  @Override
  public void close() {
    closed = true;
    udp.close();
    try {
      tcp.close();
    } catch (IOException e) {
      log.debug("closing DNS TCP listener: {}", e.toString());
    }
    for (Socket s : connections) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    workers.shutdownNow();
    try {
      // The JDK releases a socket blocked in accept/receive only when that thread leaves; wait so that a
      // restart can bind the same port at once.
      if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
        log.debug("DNS worker threads still running after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
