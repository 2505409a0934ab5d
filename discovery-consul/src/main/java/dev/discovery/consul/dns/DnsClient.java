package dev.discovery.consul.dns;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * Sends one question to the configured servers in turn and returns the first usable reply (NOERROR or
 * NXDOMAIN). {@link Transport} says whether a question goes over TCP or UDP first; over UDP it advertises a
 * large EDNS0 buffer and asks again over TCP when {@link TrimRule} says the reply may have been trimmed.
 */
final class DnsClient {
  private static final Logger LOG = LoggerFactory.getLogger(DnsClient.class);
  /** How often a TCP question is sent when the server keeps closing the connection under it. */
  private static final int TCP_ATTEMPTS = 3;

  /** A usable reply and the server that gave it. */
  record Reply(Message message, InetSocketAddress server) {}

  private final List<Server> servers;
  private final Duration timeout;
  private final Transport transport;
  private final Executor executor;
  /** The server that answered last; the next question starts there, so a dead first server costs once. */
  private final AtomicInteger preferred = new AtomicInteger();

  DnsClient(List<InetSocketAddress> addresses, Duration timeout, Transport transport, Executor executor) {
    this.timeout = timeout;
    this.transport = transport;
    this.executor = executor;
    List<Server> list = new ArrayList<>();
    for (InetSocketAddress address : addresses) {
      list.add(new Server(address, timeout));
    }
    this.servers = List.copyOf(list);
  }

  /**
   * Asks {@code name}/{@code type} of each server in turn, starting with the last one that answered. The
   * future fails with an {@link IOException} naming every server's failure when none gave a usable reply.
   */
  CompletableFuture<Reply> ask(Name name, int type) {
    int start = preferred.get();
    CompletableFuture<Reply> result = new CompletableFuture<>();
    attempt(name, type, start, 0, new ArrayList<>(), result);
    return result;
  }

  private void attempt(Name name, int type, int start, int tried, List<IOException> failures,
      CompletableFuture<Reply> result) {
    int index = (start + tried) % servers.size();
    Server server = servers.get(index);
    askServer(server, name, type).whenComplete((message, error) -> {
      IOException failure = error != null ? describe(server, name, type, error) : rcodeFailure(server, message);
      if (failure == null) {
        preferred.set(index);
        result.complete(new Reply(message, server.address));
        return;
      }
      failures.add(failure);
      if (tried + 1 < servers.size()) {
        LOG.debug("{}; trying the next server", failure.getMessage());
        attempt(name, type, start, tried + 1, failures, result);
      } else {
        IOException all = failures.get(0);
        for (IOException other : failures.subList(1, failures.size())) {
          all.addSuppressed(other);
        }
        result.completeExceptionally(all);
      }
    });
  }

  private CompletableFuture<Message> askServer(Server server, Name name, int type) {
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    if (transport.tcpFirst(type)) {
      return sendTcp(server, query);
    }
    return over("UDP", send(server.udp, query)).thenCompose(reply -> {
      String why = TrimRule.whyRetryOverTcp(reply);
      if (why == null) {
        return CompletableFuture.completedFuture(reply);
      }
      LOG.debug("asking {} {} again over TCP: {}", DnsNames.display(name), Type.string(type), why);
      return sendTcp(server, query);
    });
  }

  /** Marks a failure with the transport it happened on, for {@link #describe}. */
  private static CompletableFuture<Message> over(String transport, CompletableFuture<Message> sent) {
    return sent.exceptionallyCompose(error -> CompletableFuture.failedFuture(new Over(transport, unwrap(error))));
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /** A failure and the transport ("UDP" or "TCP") the question was on. */
  private static final class Over extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String transport;

    Over(String transport, Throwable cause) {
      super(cause.toString(), cause, false, false);
      this.transport = transport;
    }
  }

  /**
   * Sends over TCP, again on a new connection (up to {@value #TCP_ATTEMPTS} attempts in all) when the server closed
   * the one dnsjava keeps open while the question was on it. Servers may close a connection at any time (RFC 7766,
   * section 6.2.3): dnsmasq 2.90 closes one after 100 questions; the questions still on it fail with an EOF, those
   * written after the close with "Broken pipe", and those sent before dnsjava noticed with a ClosedChannelException
   * (they never left). A DNS
   * question is safe to repeat. The retry runs on our executor, not in dnsjava's failure callback, where the dead
   * connection is still registered and would be picked again.
   */
  private CompletableFuture<Message> sendTcp(Server server, Message query) {
    return over("TCP", sendTcp(server, query, 1));
  }

  private CompletableFuture<Message> sendTcp(Server server, Message query, int attempt) {
    // Through the server's lane: a bounded number of questions on dnsjava's one connection (TcpLane says why).
    return server.lane.submit(() -> send(server.tcp, query), DnsClient::closedByServer)
        .exceptionallyComposeAsync(error -> attempt < TCP_ATTEMPTS && closedByServer(error)
            ? sendTcp(server, query, attempt + 1)
            : CompletableFuture.failedFuture(error), executor);
  }

  /**
   * Whether the connection went away under the question: EOF, a channel dnsjava had closed, or a write into a
   * socket the server had closed ("Broken pipe", "Connection reset"). Not a refused connection, a time-out or a bad
   * reply: asking again would meet the same.
   */
  private static boolean closedByServer(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof IOException
        && !(cause instanceof ConnectException)
        && !(cause instanceof SocketTimeoutException)
        && !(cause instanceof WireParseException);
  }

  private CompletableFuture<Message> send(SimpleResolver resolver, Message query) {
    try {
      return resolver.sendAsync(query, executor).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * SERVFAIL, REFUSED and the like mean "this server cannot answer now": the registry is unavailable. So does a
   * reply that is not a QUERY reply (its records may be dynamic-update records without their fields).
   */
  private static IOException rcodeFailure(Server server, Message reply) {
    int opcode = reply.getHeader().getOpcode();
    if (opcode != Opcode.QUERY) {
      // dnsjava checks the id and the question, but not that a reply to a QUERY is one.
      return new IOException("DNS server " + hostPort(server.address) + " answered a query with opcode "
          + Opcode.string(opcode) + "; check that the address is a DNS server");
    }
    int rcode = reply.getRcode();
    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
      return null;
    }
    Record q = reply.getQuestion();
    // Behind a forwarder (dnsmasq on the agent host) these RCODEs are usually the forwarder's, not the agent's.
    return new IOException("DNS server " + hostPort(server.address) + " answered " + Rcode.string(rcode)
        + " for " + (q == null ? "the question" : DnsNames.display(q.getName()) + " " + Type.string(q.getType()))
        + "; check the agent's logs (SERVFAIL: it cannot reach the Consul servers; REFUSED: the name is outside"
        + " its DNS domain), or, when this server is a forwarder such as dnsmasq, that it forwards the domain to the"
        + " agent's DNS interface and can reach it (SERVFAIL: the agent did not answer it; REFUSED: it does not"
        + " forward that domain)");
  }

  private IOException describe(Server server, Name name, int type, Throwable error) {
    Throwable cause = unwrap(error);
    String over = "";
    if (cause instanceof Over o) {
      over = " over " + o.transport;
      cause = o.getCause();
    }
    String what = DnsNames.display(name) + " " + Type.string(type);
    String where = "DNS server " + hostPort(server.address);
    if (cause instanceof SocketTimeoutException) {
      return new IOException("no reply from " + where + over + " to " + what + " within " + timeout.toMillis()
          + " ms; check that the agent's DNS interface, or the forwarder in front of it, listens there", cause);
    }
    if (cause instanceof WireParseException) {
      return new IOException(where + " sent a malformed or mismatched reply" + over + " to " + what + " ("
          + cause.getMessage() + "); check that the address is a DNS server", cause);
    }
    if (cause instanceof ConnectException && over.equals(" over TCP")) {
      // SRV questions go over TCP by default, so a resolver path that only serves UDP fails here first.
      return new IOException(where + " refused a TCP connection for " + what + " (" + cause.getMessage()
          + "): it does not accept DNS over TCP; SRV questions go over TCP by default, so allow TCP on that port,"
          + " or use ConsulDnsBuilder.udpFirst() (still over TCP for a reply of 3 answers or more, which UDP"
          + " cannot be trusted to carry whole)", cause);
    }
    return new IOException(where + " failed to answer " + what + over + ": " + cause, cause);
  }

  static String hostPort(InetSocketAddress address) {
    String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** The two resolvers of one server address; dnsjava's resolvers are safe to share once configured. */
  private static final class Server {
    final InetSocketAddress address;
    final SimpleResolver udp;
    final SimpleResolver tcp;
    final TcpLane lane;

    Server(InetSocketAddress address, Duration timeout) {
      this.address = address;
      this.lane = TcpLane.to(address);
      this.udp = new SimpleResolver(address);
      udp.setEDNS(0, TrimRule.EDNS_BUFFER, 0, List.of());
      // We decide about TCP ourselves (TrimRule), so that a TC reply is retried exactly once.
      udp.setIgnoreTruncation(true);
      udp.setTimeout(timeout);
      this.tcp = new SimpleResolver(address);
      tcp.setEDNS(0, TrimRule.EDNS_BUFFER, 0, List.of());
      tcp.setTCP(true);
      tcp.setTimeout(timeout);
    }
  }
}
