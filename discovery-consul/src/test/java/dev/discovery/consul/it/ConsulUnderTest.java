package dev.discovery.consul.it;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The Consul agent the integration tests run against: the testkit's stand-in by default, or a real agent
 * when {@code -Dconsul.address=http://127.0.0.1:8500} is given (with {@code -Dconsul.token=...} when ACLs
 * are on). Tests that need fault injection (index reset, restart) are skipped against a real agent.
 */
final class ConsulUnderTest implements AutoCloseable {
  private final ConsulTestAgent testkit;
  private final URI uri;
  private final String token;

  private ConsulUnderTest(ConsulTestAgent testkit, URI uri, String token) {
    this.testkit = testkit;
    this.uri = uri;
    this.token = token;
  }

  static ConsulUnderTest start() {
    return start(null);
  }

  /** With {@code aclToken} the testkit enforces that token (a real agent uses {@code -Dconsul.token}). */
  static ConsulUnderTest start(String aclToken) {
    String address = System.getProperty("consul.address");
    if (address != null && !address.isBlank()) {
      String token = System.getProperty("consul.token");
      boolean none = token == null || token.isBlank() || token.startsWith("${");
      return new ConsulUnderTest(null, URI.create(address.strip()), none ? null : token);
    }
    ConsulTestAgent.Builder b = ConsulTestAgent.builder();
    if (aclToken != null) {
      b.aclToken(aclToken);
    }
    return new ConsulUnderTest(b.start(), null, aclToken);
  }

  boolean real() {
    return testkit == null;
  }

  URI httpUri() {
    return testkit != null ? testkit.httpUri() : uri;
  }

  Optional<String> token() {
    return Optional.ofNullable(token);
  }

  /** The testkit, or the test is skipped (a real agent cannot be told to misbehave). */
  ConsulTestAgent testkit() {
    Assumptions.assumeTrue(testkit != null, "needs the testkit's fault injection; skipped against a real agent");
    return testkit;
  }

  /** An agent client for registrations, with the token if any. */
  ConsulAgent agent() {
    ConsulAgent.Builder b = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(httpUri())
        .timeout(Duration.ofSeconds(5));
    token().ifPresent(b::token);
    return b.build();
  }

  /** A service name no other test run uses (a real agent is shared). */
  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Override
  public void close() {
    if (testkit != null) {
      testkit.close();
    }
  }
}
