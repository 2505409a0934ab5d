package dev.discovery.spring.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.spring.DiscoveryConfigurationException;
import dev.discovery.spring.DiscoveryConsulProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** How the registration is derived from the properties, the application name and the server's port. */
class RegistrationFactoryTest {
  private final DiscoveryConsulProperties.Registration props = new DiscoveryConsulProperties().getRegistration();
  private final MockEnvironment env = new MockEnvironment().withProperty("spring.application.name", "orders");

  private RegistrationFactory factory() {
    return new RegistrationFactory(props, env, () -> "10.1.2.3");
  }

  @Test
  void defaults() {
    env.setProperty("local.server.port", "8123");
    RegistrationFactory f = factory();
    assertThat(f.port()).isEqualTo(8123);
    ServiceRegistration reg = f.build(f.port());
    assertThat(reg.name()).isEqualTo("orders");
    assertThat(reg.address()).isEqualTo("10.1.2.3");
    assertThat(reg.port()).isEqualTo(8123);
    assertThat(reg.id()).isEqualTo("orders-10.1.2.3-8123");
    assertThat(reg.checks()).hasSize(1);
    assertThat(reg.checks().get(0).kind()).isEqualTo(CheckDefinition.Kind.TTL);
    assertThat(reg.checks().get(0).ttl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(reg.checks().get(0).deregisterCriticalServiceAfter()).isNull();
  }

  @Test
  void noServerNoPort() {
    assertThat(factory().port()).isZero();
  }

  @Test
  void everyPropertyIsApplied() {
    props.setServiceName("billing");
    props.setInstanceId("billing-1");
    props.setAddress("127.0.0.1");
    props.setPort(9000);
    props.setTags(List.of("v2", "eu"));
    props.setMeta(Map.of("team", "pay"));
    props.getCheck().setTtl(Duration.ofSeconds(3));
    props.getCheck().setDeregisterCriticalServiceAfter(Duration.ofMinutes(2));
    RegistrationFactory f = factory();
    ServiceRegistration reg = f.build(f.port());
    assertThat(reg.name()).isEqualTo("billing");
    assertThat(reg.id()).isEqualTo("billing-1");
    assertThat(reg.address()).isEqualTo("127.0.0.1");
    assertThat(reg.port()).isEqualTo(9000);
    assertThat(reg.tags()).containsExactly("v2", "eu");
    assertThat(reg.meta()).containsEntry("team", "pay");
    assertThat(reg.checks().get(0).ttl()).isEqualTo(Duration.ofSeconds(3));
    assertThat(reg.checks().get(0).deregisterCriticalServiceAfter()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void httpCheckCallsTheActuatorHealthEndpoint() {
    props.getCheck().setType(DiscoveryConsulProperties.CheckType.HTTP);
    ServiceRegistration reg = factory().build(8080);
    CheckDefinition check = reg.checks().get(0);
    assertThat(check.kind()).isEqualTo(CheckDefinition.Kind.HTTP);
    assertThat(check.target()).isEqualTo("http://10.1.2.3:8080/actuator/health");
    assertThat(check.interval()).isEqualTo(Duration.ofSeconds(10));

    env.setProperty("management.endpoints.web.base-path", "/manage");
    env.setProperty("local.management.port", "9090");
    env.setProperty("server.ssl.enabled", "true");
    reg = factory().build(8080);
    assertThat(reg.checks().get(0).target()).isEqualTo("https://10.1.2.3:9090/manage/health");
    assertThat(reg.meta()).containsEntry("secure", "true");

    props.getCheck().setPath("/ready");
    assertThat(factory().build(8080).checks().get(0).target()).isEqualTo("https://10.1.2.3:9090/ready");
  }

  @Test
  void httpCheckUrlIncludesTheServletContextPath() {
    props.getCheck().setType(DiscoveryConsulProperties.CheckType.HTTP);
    env.setProperty("server.servlet.context-path", "/shop/");
    env.setProperty("spring.webflux.base-path", "/ignored-by-servlet");
    assertThat(factory().build(8080).checks().get(0).target()).isEqualTo("http://10.1.2.3:8080/shop/actuator/health");
    props.getCheck().setPath("ready");
    assertThat(factory().build(8080).checks().get(0).target()).isEqualTo("http://10.1.2.3:8080/shop/ready");
  }

  @Test
  void httpCheckUrlIncludesTheWebFluxBasePath() {
    props.getCheck().setType(DiscoveryConsulProperties.CheckType.HTTP);
    env.setProperty("spring.webflux.base-path", "api");
    env.setProperty("server.servlet.context-path", "/ignored-by-webflux");
    RegistrationFactory reactive = new RegistrationFactory(props, env, () -> "10.1.2.3", true);
    assertThat(reactive.build(8080).checks().get(0).target()).isEqualTo("http://10.1.2.3:8080/api/actuator/health");
  }

  @Test
  void httpCheckUrlOnAManagementPortUsesTheManagementBasePath() {
    props.getCheck().setType(DiscoveryConsulProperties.CheckType.HTTP);
    env.setProperty("server.servlet.context-path", "/shop");
    env.setProperty("management.server.base-path", "/ops");
    env.setProperty("local.management.port", "9090");
    assertThat(factory().build(8080).checks().get(0).target()).isEqualTo("http://10.1.2.3:9090/ops/actuator/health");
  }

  @Test
  void validateChecksEverythingButTheServerPort() {
    factory().validate(); // defaults are fine, with no port known yet
    props.getMeta().put("bad key", "x");
    assertThatThrownBy(() -> factory().validate()).isInstanceOf(DiscoveryConfigurationException.class)
        .hasMessageStartingWith("discovery.consul.registration.meta.bad key:");
    props.getMeta().clear();
    props.setPort(0);
    assertThatThrownBy(() -> factory().validate()).isInstanceOf(DiscoveryConfigurationException.class)
        .hasMessageStartingWith("discovery.consul.registration.port:").hasMessageContaining("1..65535");
    props.setPort(null);
    assertThatThrownBy(() -> new RegistrationFactory(props, new MockEnvironment(), () -> "10.1.2.3").validate())
        .isInstanceOf(DiscoveryConfigurationException.class).hasMessageStartingWith("spring.application.name:");
  }

  @Test
  void noCheck() {
    props.getCheck().setType(DiscoveryConsulProperties.CheckType.NONE);
    assertThat(factory().build(8080).checks()).isEmpty();
  }

  @Test
  void missingNameNamesTheProperty() {
    MockEnvironment empty = new MockEnvironment();
    assertThatThrownBy(() -> new RegistrationFactory(props, empty, () -> "10.1.2.3").build(8080))
        .isInstanceOf(DiscoveryConfigurationException.class)
        .hasMessageStartingWith("spring.application.name:")
        .hasMessageContaining("discovery.consul.registration.enabled=false");
  }

  @Test
  void nonPositiveTtlNamesTheProperty() {
    props.getCheck().setTtl(Duration.ZERO);
    assertThatThrownBy(() -> factory().build(8080))
        .isInstanceOf(DiscoveryConfigurationException.class)
        .hasMessageStartingWith("discovery.consul.registration.check.ttl:");
  }

  @Test
  void defaultAddressIsAnAddressLiteral() {
    assertThat(HostAddresses.firstNonLoopback()).isNotBlank().doesNotContain("%");
  }
}
