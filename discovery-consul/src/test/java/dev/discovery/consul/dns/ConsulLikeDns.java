package dev.discovery.consul.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Answers the way Consul's DNS interface does (consul.md section 2): SRV with node-name or addr targets and
 * their A/AAAA (+ node-meta TXT) in ADDITIONAL, shuffled, NXDOMAIN + SOA when nothing is healthy, UDP replies
 * trimmed silently (3 answers without EDNS, to the advertised size with it; TC only with enable_truncate).
 * Faults can be switched on to act like a broken server.
 */
final class ConsulLikeDns implements FakeDnsServer.Handler {
  static final Name DOMAIN = Name.fromConstantString("consul.");

  /** One registered instance; {@code serviceAddress} null means "the node's address" (node-name target). */
  record Instance(String service, String node, String nodeAddress, String serviceAddress, int port, int weight,
      Set<String> tags, String dc) {}

  enum Fault { NONE, SILENT, SERVFAIL, REFUSED, GARBAGE, WRONG_ID }

  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  volatile boolean additional = true;
  volatile boolean enableTruncate;
  volatile long ttl;
  volatile Fault fault = Fault.NONE;

  ConsulLikeDns add(String service, String node, String nodeAddress, int port) {
    return add(new Instance(service, node, nodeAddress, null, port, 1, Set.of(), "dc1"));
  }

  ConsulLikeDns add(Instance instance) {
    instances.add(instance);
    return this;
  }

  void clear() {
    instances.clear();
  }

  @Override
  public byte[] handle(Message query, boolean tcp) throws Exception {
    Record question = query.getQuestion();
    int id = query.getHeader().getID();
    switch (fault) {
      case SILENT:
        return null;
      case GARBAGE:
        return new byte[] {(byte) (id >> 8), (byte) id, (byte) 0x81, 0, 0, 1, 0, 1, 0x7f, 0x7f, 1, 2, 3};
      default:
        break;
    }
    Message reply = new Message(fault == Fault.WRONG_ID ? (id + 1) & 0xffff : id);
    reply.getHeader().setFlag(Flags.QR);
    reply.getHeader().setFlag(Flags.AA);
    reply.addRecord(question, Section.QUESTION);
    OPTRecord opt = query.getOPT();
    if (opt != null) {
      reply.addRecord(new OPTRecord(opt.getPayloadSize(), 0, 0), Section.ADDITIONAL);
    }
    if (fault == Fault.SERVFAIL || fault == Fault.REFUSED) {
      reply.getHeader().setRcode(fault == Fault.SERVFAIL ? Rcode.SERVFAIL : Rcode.REFUSED);
      return reply.toWire();
    }
    Name name = question.getName();
    if (!name.subdomain(DOMAIN)) {
      reply.getHeader().setRcode(Rcode.REFUSED);
      return reply.toWire();
    }
    List<String> labels = new ArrayList<>();
    Name relative = name.relativize(DOMAIN);
    for (int i = 0; i < relative.labels(); i++) {
      labels.add(relative.getLabelString(i).toLowerCase(Locale.ROOT));
    }
    if (labels.contains("service")) {
      answerService(reply, name, labels, question.getType());
    } else if (labels.size() >= 2 && labels.get(1).equals("node")) {
      answerNode(reply, name, labels, question.getType());
    } else if (labels.size() >= 2 && labels.get(1).equals("addr")) {
      InetAddress address = InetAddress.getByAddress(HexFormat.of().parseHex(labels.get(0)));
      addAddress(reply, Section.ANSWER, name, address, question.getType());
    } else {
      nxdomain(reply);
    }
    if (!tcp) {
      trim(reply, opt);
    }
    return reply.toWire();
  }

  private void answerService(Message reply, Name name, List<String> labels, int type) {
    int at = labels.indexOf("service");
    List<String> parts = labels.subList(0, at);
    String dc = at + 1 < labels.size() ? labels.get(at + 1) : "dc1";
    String service;
    String tag = null;
    if (parts.size() == 2 && parts.get(0).startsWith("_") && parts.get(1).startsWith("_")) {
      service = parts.get(0).substring(1);
      tag = parts.get(1).equals("_tcp") ? null : parts.get(1).substring(1);
    } else if (!parts.isEmpty()) {
      service = parts.get(parts.size() - 1);
      tag = parts.size() > 1 ? String.join(".", parts.subList(0, parts.size() - 1)) : null;
    } else {
      nxdomain(reply);
      return;
    }
    List<Instance> matching = new ArrayList<>();
    for (Instance i : instances) {
      if (i.service().equalsIgnoreCase(service) && i.dc().equals(dc)
          && (tag == null || i.tags().stream().anyMatch(tag::equalsIgnoreCase))) {
        matching.add(i);
      }
    }
    if (matching.isEmpty()) {
      nxdomain(reply);
      return;
    }
    Collections.shuffle(matching);
    for (Instance i : matching) {
      String address = i.serviceAddress() != null ? i.serviceAddress() : i.nodeAddress();
      InetAddress ip = parse(address);
      Name target = i.serviceAddress() != null
          ? Name.fromConstantString(HexFormat.of().formatHex(ip.getAddress()) + ".addr." + i.dc() + ".consul.")
          : Name.fromConstantString(i.node() + ".node." + i.dc() + ".consul.");
      if (type == Type.SRV) {
        reply.addRecord(new SRVRecord(name, DClass.IN, ttl, 1, i.weight(), i.port(), target), Section.ANSWER);
        if (additional) {
          addAddress(reply, Section.ADDITIONAL, target, ip, Type.ANY);
          if (i.serviceAddress() == null) {
            reply.addRecord(new TXTRecord(target, DClass.IN, ttl, "consul-network-segment="), Section.ADDITIONAL);
          }
        }
      } else {
        addAddress(reply, Section.ANSWER, name, ip, type);
      }
    }
  }

  private void answerNode(Message reply, Name name, List<String> labels, int type) {
    for (Instance i : instances) {
      if (i.node().equalsIgnoreCase(labels.get(0))) {
        addAddress(reply, Section.ANSWER, name, parse(i.nodeAddress()), type);
        return;
      }
    }
    nxdomain(reply);
  }

  private void addAddress(Message reply, int section, Name owner, InetAddress ip, int type) {
    boolean v4 = ip instanceof Inet4Address;
    if (v4 && (type == Type.A || type == Type.ANY)) {
      reply.addRecord(new ARecord(owner, DClass.IN, ttl, ip), section);
    } else if (!v4 && (type == Type.AAAA || type == Type.ANY)) {
      reply.addRecord(new AAAARecord(owner, DClass.IN, ttl, ip), section);
    }
  }

  private static void nxdomain(Message reply) {
    reply.getHeader().setRcode(Rcode.NXDOMAIN);
    reply.addRecord(new SOARecord(DOMAIN, DClass.IN, 0, Name.fromConstantString("ns.consul."),
        Name.fromConstantString("hostmaster.consul."), 1, 3600, 600, 86400, 0), Section.AUTHORITY);
  }

  /** Consul's trimUDPResponse: silent unless enable_truncate; extras follow the answers kept. */
  private void trim(Message reply, OPTRecord opt) {
    List<Record> answers = reply.getSection(Section.ANSWER);
    int keep = answers.size();
    if (opt == null) {
      keep = Math.min(keep, 3);
    }
    int max = opt == null ? 512 : opt.getPayloadSize();
    while (true) {
      Message candidate = withAnswers(reply, answers.subList(0, keep));
      if (keep <= 1 || candidate.toWire().length <= max) {
        if (keep < answers.size() && enableTruncate) {
          candidate.getHeader().setFlag(Flags.TC);
        }
        copy(candidate, reply);
        return;
      }
      keep--;
    }
  }

  private static Message withAnswers(Message reply, List<Record> answers) {
    Message m = new Message(reply.getHeader().getID());
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setFlag(Flags.AA);
    m.getHeader().setRcode(reply.getRcode());
    m.addRecord(reply.getQuestion(), Section.QUESTION);
    List<Name> targets = new ArrayList<>();
    for (Record r : answers) {
      m.addRecord(r, Section.ANSWER);
      targets.add(r.getAdditionalName());
    }
    for (Record r : reply.getSection(Section.ADDITIONAL)) {
      if (r.getType() == Type.OPT || targets.contains(r.getName())) {
        m.addRecord(r, Section.ADDITIONAL);
      }
    }
    return m;
  }

  private static void copy(Message from, Message to) {
    to.removeAllRecords(Section.ANSWER);
    to.removeAllRecords(Section.ADDITIONAL);
    for (Record r : from.getSection(Section.ANSWER)) {
      to.addRecord(r, Section.ANSWER);
    }
    for (Record r : from.getSection(Section.ADDITIONAL)) {
      to.addRecord(r, Section.ADDITIONAL);
    }
    if (from.getHeader().getFlag(Flags.TC)) {
      to.getHeader().setFlag(Flags.TC);
    }
  }

  private static InetAddress parse(String literal) {
    try {
      return InetAddress.getByName(literal); // literals only in tests: no lookup happens
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
