package dev.discovery.consul.reliability;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * A UDP DNS relay on loopback in front of a real DNS server (the testkit agent's), that answers the way a
 * broken server or network would while a {@link Mode fault mode} is set. It has no TCP side, so a client
 * that falls back to TCP finds the connection refused.
 */
final class FaultyDnsProxy implements AutoCloseable {
  /** How the relay treats each question. */
  enum Mode {
    /** Relays the question and the upstream reply unchanged. */
    RELAY,
    /** Answers SERVFAIL. */
    SERVFAIL,
    /** Answers REFUSED. */
    REFUSED,
    /** Never answers. */
    SILENT,
    /** Answers with the TC bit and no records (TCP, the way to the full answer, is refused). */
    TRUNCATED,
    /** Answers with random bytes. */
    GARBAGE,
    /** Relays the upstream reply with a different message ID. */
    MISMATCHED_ID
  }

  private final DatagramSocket socket;
  private final InetSocketAddress upstream;
  private final Thread thread;
  private final AtomicLong questions = new AtomicLong();
  private final Random random = new Random(42);
  private volatile Mode mode = Mode.RELAY;

  FaultyDnsProxy(InetSocketAddress upstream) throws SocketException {
    this.upstream = upstream;
    this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.thread = new Thread(this::serve, "test-faulty-dns");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
  }

  void mode(Mode mode) {
    this.mode = mode;
  }

  /** Questions received so far. */
  long questions() {
    return questions.get();
  }

  private void serve() {
    byte[] buffer = new byte[65535];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        questions.incrementAndGet();
        byte[] question = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
        byte[] reply = reply(question, mode);
        if (reply != null) {
          socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
        }
      } catch (IOException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private byte[] reply(byte[] question, Mode m) throws IOException {
    switch (m) {
      case SILENT:
        return null;
      case GARBAGE: {
        byte[] junk = new byte[5 + random.nextInt(200)];
        random.nextBytes(junk);
        return junk;
      }
      case SERVFAIL:
      case REFUSED:
      case TRUNCATED: {
        Message q = new Message(question);
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        r.addRecord(q.getQuestion(), org.xbill.DNS.Section.QUESTION);
        if (m == Mode.TRUNCATED) {
          r.getHeader().setFlag(Flags.TC);
        } else {
          r.getHeader().setRcode(m == Mode.SERVFAIL ? Rcode.SERVFAIL : Rcode.REFUSED);
        }
        return r.toWire();
      }
      case MISMATCHED_ID: {
        byte[] reply = relay(question);
        if (reply != null && reply.length >= 2) {
          reply[0] ^= 0x5a;
          reply[1] ^= 0xa5;
        }
        return reply;
      }
      default:
        return relay(question);
    }
  }

  private byte[] relay(byte[] question) throws IOException {
    try (DatagramSocket out = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      out.setSoTimeout(2000);
      out.send(new DatagramPacket(question, question.length, upstream));
      byte[] buffer = new byte[65535];
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      out.receive(packet);
      return java.util.Arrays.copyOf(packet.getData(), packet.getLength());
    } catch (java.net.SocketTimeoutException e) {
      return null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    socket.close();
    thread.join(2000);
  }
}
