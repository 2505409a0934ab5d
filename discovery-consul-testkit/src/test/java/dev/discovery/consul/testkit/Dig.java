package dev.discovery.consul.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;

/** Sends raw DNS queries over UDP or TCP (dnsjava for the codec only, no resolver logic). */
final class Dig {
  private Dig() {}

  /** A response and its size on the wire. */
  record Answer(Message message, int wireSize) {}

  static Message query(String name, int type, Integer ednsSize) {
    try {
      Message q = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
      q.getHeader().setFlag(Flags.RD);
      if (ednsSize != null) {
        q.addRecord(new OPTRecord(ednsSize, 0, 0), Section.ADDITIONAL);
      }
      return q;
    } catch (TextParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static Answer udp(InetSocketAddress server, String name, int type, Integer ednsSize) {
    return udpRaw(server, query(name, type, ednsSize).toWire());
  }

  static Answer udpRaw(InetSocketAddress server, byte[] packet) {
    return udpRaw(server, packet, 5000);
  }

  static Answer udpRaw(InetSocketAddress server, byte[] packet, int timeoutMillis) {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(timeoutMillis);
      s.send(new DatagramPacket(packet, packet.length, server));
      byte[] buf = new byte[65535];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      byte[] wire = Arrays.copyOf(p.getData(), p.getLength());
      return new Answer(new Message(wire), wire.length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Answer tcp(InetSocketAddress server, String name, int type, Integer ednsSize) {
    try (Socket s = new Socket()) {
      s.connect(server, 5000);
      s.setSoTimeout(5000);
      byte[] q = query(name, type, ednsSize).toWire();
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {(byte) (q.length >>> 8), (byte) q.length});
      out.write(q);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int len = in.readUnsignedShort();
      byte[] wire = in.readNBytes(len);
      return new Answer(new Message(wire), wire.length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
