package dev.discovery.consul.testkit;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Answers one DNS query from the catalog the way Consul's DNS server does (names, health filtering, SRV targets,
 * NXDOMAIN vs NODATA, SOA, shuffling, trimming). Pure: bytes in, bytes out, no sockets.
 */
final class DnsResponder {
  /** Consul's TTL for everything but service lookups ({@code node_ttl}, SOA, NS): 0. */
  private static final long TTL = 0;
  private final AgentState state;
  private final Datacenters datacenters;
  private final Faults faults;

  DnsResponder(Datacenters datacenters, Faults faults) {
    this.state = datacenters.local();
    this.datacenters = datacenters;
    this.faults = faults;
  }

  /** The response to a wire-format query, or null when nothing should be sent. Never throws on bad input. */
  byte[] respond(byte[] query, boolean tcp) {
    if (faults.dropping()) {
      return null;
    }
    Message request;
    try {
      request = new Message(query);
    } catch (IOException | RuntimeException e) {
      return formatError(query);
    }
    try {
      Message response = answer(request, tcp);
      return response == null ? null : response.toWire();
    } catch (RuntimeException e) {
      Message fail = reply(request);
      fail.getHeader().setRcode(Rcode.SERVFAIL);
      return fail.toWire();
    }
  }

  private static byte[] formatError(byte[] query) {
    if (query.length < 12 || (query[2] & 0x80) != 0) {
      return null; // no readable header, or a response: never answer those
    }
    Header h = new Header(((query[0] & 0xff) << 8) | (query[1] & 0xff));
    h.setFlag(Flags.QR);
    h.setRcode(Rcode.FORMERR);
    Message m = new Message();
    m.setHeader(h);
    return m.toWire();
  }

  private static Message reply(Message request) {
    Message m = new Message(request.getHeader().getID());
    Header h = m.getHeader();
    h.setFlag(Flags.QR);
    h.setOpcode(request.getHeader().getOpcode());
    if (request.getHeader().getFlag(Flags.RD)) {
      h.setFlag(Flags.RD);
    }
    if (request.getQuestion() != null) {
      m.addRecord(request.getQuestion(), Section.QUESTION);
    }
    return m;
  }

  Message answer(Message request, boolean tcp) {
    if (request.getHeader().getFlag(Flags.QR)) {
      return null;
    }
    Message m = reply(request);
    if (request.getHeader().getOpcode() != Opcode.QUERY) {
      m.getHeader().setRcode(Rcode.NOTIMP);
      return withEdns(request, m);
    }
    Record question = request.getQuestion();
    if (question == null || request.getSection(Section.QUESTION).size() != 1) {
      m.getHeader().setRcode(Rcode.FORMERR);
      return withEdns(request, m);
    }
    int dnsFailure = faults.takeDnsFailure();
    if (dnsFailure >= 0) {
      m.getHeader().setRcode(dnsFailure);
      return withEdns(request, m);
    }
    Name qname = question.getName();
    String lower = qname.toString().toLowerCase(Locale.ROOT);
    String domain = matchDomain(lower);
    if (domain == null) {
      // No recursors: miekg/dns's mux has no handler for the name and refuses it.
      m.getHeader().setRcode(Rcode.REFUSED);
      return withEdns(request, m);
    }
    m.getHeader().setFlag(Flags.AA);
    int qtype = question.getType();
    switch (qtype) {
      case Type.SOA:
        m.addRecord(soa(domain), Section.ANSWER);
        addNameservers(m, domain, Section.AUTHORITY);
        break;
      case Type.NS:
        addNameservers(m, domain, Section.ANSWER);
        break;
      case Type.AXFR:
      case Type.IXFR:
        m.getHeader().setRcode(Rcode.NOTIMP);
        break;
      default:
        dispatch(m, qname, lower, domain, qtype);
    }
    if (tcp) {
      DnsTrimmer.trimTcp(m);
    } else {
      boolean trimmed = DnsTrimmer.trimUdp(request, m, state.config().udpAnswerLimit());
      if (trimmed && state.config().enableTruncate()) {
        m.getHeader().setFlag(Flags.TC);
      }
    }
    return withEdns(request, m);
  }

  private static Message withEdns(Message request, Message m) {
    OPTRecord opt = request.getOPT();
    if (opt != null) {
      m.addRecord(new OPTRecord(opt.getPayloadSize(), 0, 0), Section.ADDITIONAL);
    }
    return m;
  }

  private String matchDomain(String lowerName) {
    String domain = state.config().domain();
    if (lowerName.equals(domain) || lowerName.endsWith("." + domain)) {
      return domain;
    }
    String alt = state.config().altDomain();
    if (alt != null && (lowerName.equals(alt) || lowerName.endsWith("." + alt))) {
      return alt;
    }
    return null;
  }

  private void dispatch(Message m, Name qname, String lower, String domain, int qtype) {
    String rest = lower.length() > domain.length() ? lower.substring(0, lower.length() - domain.length() - 1) : "";
    List<String> labels = rest.isEmpty() ? List.of() : List.of(rest.split("\\."));
    String kind = null;
    List<String> parts = List.of();
    List<String> suffixes = List.of();
    for (int i = labels.size() - 1; i >= 0; i--) {
      String label = labels.get(i);
      if (Set.of("service", "connect", "virtual", "ingress", "node", "query", "addr").contains(label)) {
        kind = label;
        parts = labels.subList(0, i);
        suffixes = labels.subList(i + 1, labels.size());
        break;
      }
      // For SRV the ".service" label is optional in the RFC 2782 form.
      if (qtype == Type.SRV && label.startsWith("_")) {
        kind = "service";
        parts = labels.subList(0, i + 1);
        suffixes = labels.subList(i + 1, labels.size());
        break;
      }
    }
    String dc = datacenter(suffixes);
    if (kind == null || dc == null) {
      nameError(m, domain);
      return;
    }
    AgentState target = datacenters.find(dc);
    if (target == null) {
      nameError(m, domain); // "No path to datacenter" surfaces as NXDOMAIN
      return;
    }
    switch (kind) {
      case "service":
        if (parts.isEmpty()) {
          nameError(m, domain);
          return;
        }
        String service;
        String tag;
        int n = parts.size();
        if (n == 2 && parts.get(0).startsWith("_") && parts.get(1).startsWith("_")) {
          service = parts.get(0).substring(1);
          tag = parts.get(1).substring(1);
          if (tag.equals("tcp")) {
            tag = "";
          }
        } else {
          service = parts.get(n - 1);
          tag = n >= 2 ? String.join(".", parts.subList(0, n - 1)) : "";
        }
        serviceLookup(m, qname, domain, qtype, target, service, tag);
        return;
      case "query":
        if (parts.isEmpty()) {
          nameError(m, domain);
          return;
        }
        // RFC 2782 form _<query>._<proto>.query: the first label without its underscore names the query.
        String queryName = parts.size() == 2 && parts.get(0).startsWith("_") && parts.get(1).startsWith("_")
            ? parts.get(0).substring(1) : String.join(".", parts);
        preparedQueryLookup(m, qname, domain, qtype, target, queryName);
        return;
      case "node":
        if (parts.isEmpty()) {
          nameError(m, domain);
          return;
        }
        nodeLookup(m, qname, domain, qtype, target, String.join(".", parts));
        return;
      case "addr":
        addrLookup(m, qname, domain, qtype, parts);
        return;
      default:
        // .connect, .ingress, .virtual: not modelled.
        nameError(m, domain);
    }
  }

  /** The datacenter named by the labels after the kind: none, {@code <dc>} or {@code <dc>.dc}; null if invalid. */
  private String datacenter(List<String> suffixes) {
    if (suffixes.isEmpty()) {
      return state.config().datacenter();
    }
    if (suffixes.size() == 1) {
      return suffixes.get(0);
    }
    if (suffixes.size() == 2 && suffixes.get(1).equals("dc")) {
      return suffixes.get(0);
    }
    return null;
  }

  private void nameError(Message m, String domain) {
    m.getHeader().setRcode(Rcode.NXDOMAIN);
    m.addRecord(soa(domain), Section.AUTHORITY);
  }

  private void serviceLookup(Message m, Name qname, String domain, int qtype, AgentState dc, String service,
      String tag) {
    List<HealthEntry> healthy = new ArrayList<>();
    Store store = dc.store();
    store.locked(() -> {
      for (HealthEntry e : store.healthLocked(findServiceName(store, service))) {
        if ((tag.isEmpty() || e.service().hasTagIgnoreCase(tag)) && !e.excludedFromDns(state.config().onlyPassing())) {
          healthy.add(e);
        }
      }
      return null;
    });
    Collections.shuffle(healthy, ThreadLocalRandom.current());
    answerNodes(m, qname, domain, qtype, healthy, dc.config().datacenter(), state.config().serviceTtlSeconds());
  }

  /**
   * {@code <query>.query[.<dc>].<domain>}: executes the prepared query of that datacenter, failover included, and
   * answers with its nodes like a service lookup (Consul's {@code preparedQueryLookup}): SRV targets name the
   * datacenter that answered, the TTL is the query's {@code DNS.TTL} when set, else {@code service_ttl}. An unknown
   * query, or one with no healthy node anywhere, is NXDOMAIN. DNS lower-cases the name, so it finds a query by its
   * ID or by a lower-case name only.
   */
  private void preparedQueryLookup(Message m, Name qname, String domain, int qtype, AgentState dc, String name) {
    PreparedQueries.Execution run = PreparedQueries.execute(datacenters, dc, name, 0);
    if (run == null) {
      nameError(m, domain);
      return;
    }
    long ttl = state.config().serviceTtlSeconds();
    if (!run.query().dnsTtl().isEmpty()) {
      ttl = GoDuration.parse(run.query().dnsTtl()).toSeconds();
    }
    answerNodes(m, qname, domain, qtype, run.nodes(), run.datacenter(), ttl);
  }

  /** The answer for a service's healthy, shuffled nodes from datacenter {@code dc}; NXDOMAIN when there are none. */
  private void answerNodes(Message m, Name qname, String domain, int qtype, List<HealthEntry> healthy, String dc,
      long ttl) {
    if (healthy.isEmpty()) {
      nameError(m, domain);
      return;
    }
    if (qtype == Type.SRV) {
      serviceSrv(m, qname, domain, healthy, dc, ttl);
    } else {
      serviceAddresses(m, qname, qtype, healthy, ttl);
    }
    if (m.getSection(Section.ANSWER).isEmpty()) {
      m.addRecord(soa(domain), Section.AUTHORITY);
    }
  }

  // DNS names are case-insensitive; catalog service names are not, so map the lower-cased label back.
  private static String findServiceName(Store store, String lowerName) {
    for (String name : store.serviceTagsLocked().keySet()) {
      if (name.equalsIgnoreCase(lowerName)) {
        return name;
      }
    }
    return lowerName;
  }

  private void serviceAddresses(Message m, Name qname, int qtype, List<HealthEntry> healthy, long ttl) {
    Set<String> seen = new HashSet<>();
    for (HealthEntry e : healthy) {
      String address = e.service().address().isEmpty() ? e.node().address() : e.service().address();
      if (!seen.add(address)) {
        continue;
      }
      Record r = addressRecord(qname, address, qtype, ttl);
      if (r != null) {
        m.addRecord(r, Section.ANSWER);
      }
    }
  }

  private void serviceSrv(Message m, Name qname, String domain, List<HealthEntry> healthy, String dc, long ttl) {
    // service_ttl applies to every record of a service lookup, the additional ones included.
    Set<String> seen = new HashSet<>();
    Set<Name> extraNames = new LinkedHashSet<>();
    Set<Name> metaNodes = new HashSet<>();
    for (HealthEntry e : healthy) {
      ServiceEntry s = e.service();
      String address = s.address().isEmpty() ? e.node().address() : s.address();
      if (!seen.add(e.node().name() + "\u0000" + address + "\u0000" + s.port())) {
        continue;
      }
      int weight = e.anyWarning() ? s.weightWarning() : s.weightPassing();
      InetAddress ip = Payloads.ipLiteral(address);
      Name target;
      if (ip == null) {
        target = name(address.endsWith(".") ? address : address + ".");
      } else if (s.address().isEmpty()) {
        target = name(e.node().name() + ".node." + dc + "." + domain);
      } else {
        target = name(hex(ip) + ".addr." + dc + "." + domain);
      }
      m.addRecord(new SRVRecord(qname, DClass.IN, ttl, 1, weight, s.port(), target), Section.ANSWER);
      if (ip != null && extraNames.add(target)) {
        m.addRecord(ipRecord(target, ip, ttl), Section.ADDITIONAL);
      }
      // enable_additional_node_meta_txt (default on): the node's meta as TXT under its node name. After a trim,
      // Consul's syncExtra keeps one record per target name (the A/AAAA), so these vanish from trimmed answers.
      Name nodeName = name(e.node().name() + ".node." + dc + "." + domain);
      if (ip != null && e.node().meta() != null && metaNodes.add(nodeName)) {
        for (Record txt : nodeMetaTxt(nodeName, e.node().meta(), ttl)) {
          m.addRecord(txt, Section.ADDITIONAL);
        }
      }
    }
  }

  private static List<Record> nodeMetaTxt(Name owner, Map<String, String> meta, long ttl) {
    List<Record> out = new ArrayList<>();
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String text = e.getKey().startsWith("rfc1035-") ? e.getValue() : e.getKey() + "=" + e.getValue();
      out.add(new TXTRecord(owner, DClass.IN, ttl, text));
    }
    return out;
  }

  private void nodeLookup(Message m, Name qname, String domain, int qtype, AgentState dc, String nodeName) {
    NodeEntry node = dc.store().locked(() -> {
      for (NodeEntry n : dc.store().nodesLocked().values()) {
        if (n.name().equalsIgnoreCase(nodeName)) {
          return n;
        }
      }
      return null;
    });
    if (node == null) {
      nameError(m, domain);
      return;
    }
    if (qtype == Type.A || qtype == Type.AAAA || qtype == Type.ANY) {
      Record r = addressRecord(qname, node.address(), qtype, TTL);
      if (r != null) {
        m.addRecord(r, Section.ANSWER);
      }
    }
    if ((qtype == Type.TXT || qtype == Type.ANY) && node.meta() != null) {
      for (Record txt : nodeMetaTxt(qname, node.meta(), TTL)) {
        m.addRecord(txt, Section.ANSWER);
      }
    }
    if (m.getSection(Section.ANSWER).isEmpty()) {
      m.addRecord(soa(domain), Section.AUTHORITY);
    }
  }

  private void addrLookup(Message m, Name qname, String domain, int qtype, List<String> parts) {
    if (parts.size() != 1) {
      nameError(m, domain);
      return;
    }
    String hex = parts.get(0);
    byte[] bytes;
    try {
      if (hex.length() != 8 && hex.length() != 32) {
        throw new NumberFormatException(hex);
      }
      bytes = java.util.HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      nameError(m, domain);
      return;
    }
    InetAddress ip;
    try {
      ip = InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      nameError(m, domain);
      return;
    }
    boolean v4 = ip instanceof Inet4Address;
    boolean asked = qtype == Type.ANY || (v4 ? qtype == Type.A : qtype == Type.AAAA);
    m.addRecord(ipRecord(qname, ip, TTL), asked ? Section.ANSWER : Section.ADDITIONAL);
  }

  /** A/AAAA for an IP literal when the query type wants that family, CNAME for a host name, else null. */
  private static Record addressRecord(Name owner, String address, int qtype, long ttl) {
    InetAddress ip = Payloads.ipLiteral(address);
    if (ip == null) {
      if (qtype == Type.A || qtype == Type.AAAA || qtype == Type.ANY || qtype == Type.CNAME) {
        return new CNAMERecord(owner, DClass.IN, ttl, name(address.endsWith(".") ? address : address + "."));
      }
      return null;
    }
    if (ip instanceof Inet4Address && (qtype == Type.A || qtype == Type.ANY)) {
      return new ARecord(owner, DClass.IN, ttl, ip);
    }
    if (ip instanceof Inet6Address && (qtype == Type.AAAA || qtype == Type.ANY)) {
      return new AAAARecord(owner, DClass.IN, ttl, ip);
    }
    return null;
  }

  private static Record ipRecord(Name owner, InetAddress ip, long ttl) {
    return ip instanceof Inet4Address ? new ARecord(owner, DClass.IN, ttl, ip)
        : new AAAARecord(owner, DClass.IN, ttl, ip);
  }

  static String hex(InetAddress ip) {
    return java.util.HexFormat.of().formatHex(ip.getAddress());
  }

  private SOARecord soa(String domain) {
    Name origin = name(domain);
    return new SOARecord(origin, DClass.IN, TTL, name("ns." + domain), name("hostmaster." + domain),
        System.currentTimeMillis() / 1000L, 3600, 600, 86400, 0);
  }

  /** NS records for up to three servers (the nodes of the {@code consul} service) with A/AAAA glue. */
  private void addNameservers(Message m, String domain, int section) {
    String dc = state.config().datacenter();
    Store store = state.store();
    List<HealthEntry> servers = store.locked(() -> store.healthLocked("consul"));
    int count = 0;
    for (HealthEntry e : servers) {
      InetAddress ip = Payloads.ipLiteral(e.node().address());
      if (ip == null || count++ == 3) {
        continue;
      }
      Name ns = name(e.node().name() + ".node." + dc + "." + domain);
      m.addRecord(new NSRecord(name(domain), DClass.IN, TTL, ns), section);
      m.addRecord(ipRecord(ns, ip, TTL), Section.ADDITIONAL);
    }
  }

  private static Name name(String s) {
    try {
      return Name.fromString(s.endsWith(".") ? s : s + ".");
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a valid DNS name: " + s, e);
    }
  }
}
