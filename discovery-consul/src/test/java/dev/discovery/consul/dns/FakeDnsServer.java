package dev.discovery.consul.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * A tiny DNS server for tests: UDP and TCP on one loopback port, answering with whatever its {@link Handler}
 * returns (raw bytes, so that tests can send garbage), and recording every question it gets.
 */
final class FakeDnsServer implements AutoCloseable {

  /** Produces the reply bytes for a query, or {@code null} to stay silent. */
  interface Handler {
    byte[] handle(Message query, boolean tcp) throws Exception;
  }

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final List<Socket> connections = new CopyOnWriteArrayList<>();
  private final List<String> questions = new CopyOnWriteArrayList<>();
  private final AtomicInteger udpCount = new AtomicInteger();
  private final AtomicInteger tcpCount = new AtomicInteger();
  private final AtomicInteger closeOnQuestion = new AtomicInteger();
  private volatile Handler handler;
  private volatile boolean closed;

  FakeDnsServer(Handler handler) throws IOException {
    this.handler = handler;
    DatagramSocket u = null;
    ServerSocket t = null;
    // UDP and TCP must share the port number, as dnsjava asks both at one address.
    for (int attempt = 0; attempt < 50 && t == null; attempt++) {
      u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try {
        t = new ServerSocket();
        t.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), u.getLocalPort()));
      } catch (IOException e) {
        u.close();
        t = null;
      }
    }
    if (t == null) {
      throw new IOException("could not bind UDP and TCP on one loopback port");
    }
    this.udp = u;
    this.tcp = t;
    daemon("fake-dns-udp", this::serveUdp);
    daemon("fake-dns-tcp", this::acceptTcp);
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
  }

  void handler(Handler handler) {
    this.handler = handler;
  }

  /** Every question received, as {@code name TYPE udp|tcp}, lower case. */
  List<String> questions() {
    return List.copyOf(questions);
  }

  int udpQueries() {
    return udpCount.get();
  }

  /** The next {@code count} TCP questions are read and left unanswered, their connection closed. */
  void closeTcpConnectionOnNextQuestions(int count) {
    closeOnQuestion.set(count);
  }

  int tcpQueries() {
    return tcpCount.get();
  }

  private void serveUdp() {
    byte[] buffer = new byte[65535];
    while (!closed) {
      try {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.receive(packet);
        byte[] in = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
        java.net.SocketAddress client = packet.getSocketAddress();
        udpCount.incrementAndGet();
        // One thread per question, so that a handler that waits does not hold up the others.
        daemon("fake-dns-udp-query", () -> {
          byte[] out = answer(in, false);
          if (out != null) {
            try {
              udp.send(new DatagramPacket(out, out.length, client));
            } catch (IOException e) {
              // closed
            }
          }
        });
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void acceptTcp() {
    while (!closed) {
      try {
        Socket socket = tcp.accept();
        connections.add(socket);
        daemon("fake-dns-tcp-conn", () -> serveTcp(socket));
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void serveTcp(Socket socket) {
    try (socket) {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      while (!closed) {
        int length = in.readUnsignedShort();
        byte[] query = new byte[length];
        in.readFully(query);
        tcpCount.incrementAndGet();
        if (closeOnQuestion.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return; // closes the connection with the question unanswered, as a server that ends it may
        }
        byte[] reply = answer(query, true);
        if (reply != null) {
          synchronized (out) {
            out.writeShort(reply.length);
            out.write(reply);
            out.flush();
          }
        }
      }
    } catch (IOException e) {
      // connection closed by the client or by close()
    } finally {
      connections.remove(socket);
    }
  }

  private byte[] answer(byte[] in, boolean overTcp) {
    try {
      Message query = new Message(in);
      questions.add((query.getQuestion().getName() + " " + Type.string(query.getQuestion().getType()) + " "
          + (overTcp ? "tcp" : "udp")).toLowerCase(java.util.Locale.ROOT));
      return handler.handle(query, overTcp);
    } catch (Exception e) {
      return null;
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    closed = true;
    udp.close();
    try {
      tcp.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : connections) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
