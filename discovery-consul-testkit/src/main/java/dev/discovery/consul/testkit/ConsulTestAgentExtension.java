package dev.discovery.consul.testkit;

import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that runs a {@link ConsulTestAgent}: on a static {@code @RegisterExtension} field one agent
 * serves the whole class, on an instance field each test gets a fresh one. Stopped afterwards either way.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ConsulTestAgentExtension consul = new ConsulTestAgentExtension();
 * ... consul.agent().httpUri() ...
 * }</pre>
 */
public final class ConsulTestAgentExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final Supplier<ConsulTestAgent.Builder> builder;
  private ConsulTestAgent agent;
  private boolean perClass;

  /** An extension for an agent with default settings. */
  public ConsulTestAgentExtension() {
    this(ConsulTestAgent::builder);
  }

  /** An extension whose agent is started from {@code builder} (called for every start). */
  public ConsulTestAgentExtension(Supplier<ConsulTestAgent.Builder> builder) {
    this.builder = Objects.requireNonNull(builder, "builder");
  }

  /** The running agent; fails if called outside a test's lifetime. */
  public ConsulTestAgent agent() {
    if (agent == null) {
      throw new IllegalStateException("the Consul test agent is not running; register the extension with "
          + "@RegisterExtension and call agent() from a test or lifecycle method");
    }
    return agent;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    agent = builder.get().start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      agent = builder.get().start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stop();
    }
  }

  private void stop() {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }
}
