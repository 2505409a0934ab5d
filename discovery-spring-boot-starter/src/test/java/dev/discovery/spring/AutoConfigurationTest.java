package dev.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.micrometer.MicrometerObserver;
import dev.discovery.spring.cloud.ConsulDiscoveryClient;
import dev.discovery.spring.cloud.ConsulReactiveDiscoveryClient;
import dev.discovery.spring.cloud.SelectorOutcomeReporter;
import dev.discovery.spring.health.QueryStates;
import dev.discovery.spring.registration.SelfRegistration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition and property of the auto-configuration, without a web server or a Consul agent. */
class AutoConfigurationTest {
  /** A port nothing listens on: building the beans sends no request, and nothing here looks anything up. */
  private static final String AGENT = "http://127.0.0.1:1";

  static final AutoConfigurations ALL = AutoConfigurations.of(
      DiscoveryConsulMetricsAutoConfiguration.class,
      DiscoveryConsulAutoConfiguration.class,
      DiscoveryClientAutoConfiguration.class,
      ReactiveDiscoveryClientAutoConfiguration.class,
      DiscoveryLoadBalancerAutoConfiguration.class,
      DiscoveryRegistrationAutoConfiguration.class,
      DiscoveryHealthAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(ALL)
      .withPropertyValues("discovery.consul.agents=" + AGENT);

  @Test
  void defaultsMakeEveryBean() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(ConsulSettings.class);
      assertThat(context).hasSingleBean(ConsulAgent.class);
      assertThat(context).hasSingleBean(QueryStates.class);
      assertThat(context.getBean(ServiceDiscovery.class)).isInstanceOf(CachingDiscovery.class);
      assertThat(((CachingDiscovery) context.getBean(ServiceDiscovery.class)).backendName()).isEqualTo("consul-http");
      assertThat(context).hasSingleBean(ServiceSelector.class);
      assertThat(context).hasSingleBean(ConsulDiscoveryClient.class);
      assertThat(context).hasSingleBean(ConsulReactiveDiscoveryClient.class);
      assertThat(context).hasSingleBean(SelectorOutcomeReporter.class);
      assertThat(context).hasBean("discoveryConsulHealthIndicator");
      assertThat(context).doesNotHaveBean(MicrometerObserver.class); // no MeterRegistry
      assertThat(context).doesNotHaveBean(SelfRegistration.class); // not a web application
      assertThat(context.getBean(ConsulAgent.class).uri()).isEqualTo(URI.create(AGENT));
    });
  }

  @Test
  void enabledFalseTurnsEverythingOff() {
    runner.withPropertyValues("discovery.consul.enabled=false").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(ServiceDiscovery.class);
      assertThat(context).doesNotHaveBean(ConsulAgent.class);
      assertThat(context).doesNotHaveBean(ConsulDiscoveryClient.class);
      assertThat(context).doesNotHaveBean(SelectorOutcomeReporter.class);
      assertThat(context).doesNotHaveBean("discoveryConsulHealthIndicator");
    });
  }

  @Test
  void springCloudDiscoveryDisabledLeavesOnlyTheLibrarysBeans() {
    runner.withPropertyValues("spring.cloud.discovery.enabled=false").run(context -> {
      assertThat(context).hasSingleBean(ServiceDiscovery.class);
      assertThat(context).hasSingleBean(ServiceSelector.class);
      assertThat(context).doesNotHaveBean(ConsulDiscoveryClient.class);
      assertThat(context).doesNotHaveBean(ConsulReactiveDiscoveryClient.class);
      assertThat(context).doesNotHaveBean(SelectorOutcomeReporter.class);
    });
  }

  @Test
  void blockingAndReactiveSwitchesAreHonouredSeparately() {
    runner.withPropertyValues("spring.cloud.discovery.blocking.enabled=false").run(context -> {
      assertThat(context).doesNotHaveBean(ConsulDiscoveryClient.class);
      assertThat(context).hasSingleBean(ConsulReactiveDiscoveryClient.class);
    });
    runner.withPropertyValues("spring.cloud.discovery.reactive.enabled=false").run(context -> {
      assertThat(context).hasSingleBean(ConsulDiscoveryClient.class);
      assertThat(context).doesNotHaveBean(ConsulReactiveDiscoveryClient.class);
    });
  }

  @Test
  void loadBalancerSwitchTurnsTheLoadBalancerIntegrationOff() {
    runner.withPropertyValues("spring.cloud.loadbalancer.enabled=false").run(context -> {
      assertThat(context).doesNotHaveBean(SelectorOutcomeReporter.class);
      assertThat(context).hasSingleBean(ConsulDiscoveryClient.class);
    });
  }

  @Test
  void healthContributorCanBeTurnedOff() {
    runner.withPropertyValues("management.health.discovery-consul.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("discoveryConsulHealthIndicator"));
  }

  @Test
  void healthDefaultsSwitchIsHonouredUnlessTheSpecificSwitchIsSet() {
    runner.withPropertyValues("management.health.defaults.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("discoveryConsulHealthIndicator"));
    runner.withPropertyValues("management.health.defaults.enabled=false", "management.health.discovery-consul.enabled=true")
        .run(context -> assertThat(context).hasBean("discoveryConsulHealthIndicator"));
    runner.withPropertyValues("management.health.defaults.enabled=true", "management.health.discovery-consul.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("discoveryConsulHealthIndicator"));
  }

  @Test
  void withoutSpringCloudLoadBalancerTheDiscoveryClientStaysAndNoLoadBalancerBeanIsMade() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.cloud.loadbalancer")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(ConsulDiscoveryClient.class);
      assertThat(context).hasSingleBean(ServiceSelector.class);
      assertThat(context).doesNotHaveBean(SelectorOutcomeReporter.class);
      assertThat(context).doesNotHaveBean(DiscoveryLoadBalancerAutoConfiguration.class);
    });
  }

  @Test
  void withoutReactorThereIsNoReactiveClient() {
    runner.withClassLoader(new FilteredClassLoader("reactor.core")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(ConsulDiscoveryClient.class);
      assertThat(context).doesNotHaveBean(ConsulReactiveDiscoveryClient.class);
    });
  }

  @Test
  void withoutActuatorThereIsNoHealthContributor() {
    // Both homes of the health API: org.springframework.boot.health (Boot 4), ...boot.actuate.health (Boot 3).
    runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health", "org.springframework.boot.actuate"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(ServiceDiscovery.class);
          assertThat(context).hasSingleBean(ConsulDiscoveryClient.class);
          assertThat(context).doesNotHaveBean("discoveryConsulHealthIndicator");
        });
  }

  @Test
  void withoutMicrometerThereIsNoObserverEvenWithARegistryBean() {
    // The registry bean's class is loaded by the test's own class loader; the condition looks through the
    // filtered one, as an application without micrometer-core (or without discovery-micrometer) would.
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(ServiceDiscovery.class);
          assertThat(context).doesNotHaveBean(MicrometerObserver.class);
        });
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withClassLoader(new FilteredClassLoader(MicrometerObserver.class)).run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(MicrometerObserver.class);
        });
  }

  @Test
  void meterRegistryBringsMicrometerObserver() {
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
      assertThat(context).hasSingleBean(MicrometerObserver.class);
    });
  }

  @Test
  void usersOwnBeansWin() {
    runner.withUserConfiguration(OwnBeans.class).run(context -> {
      assertThat(context.getBean(ServiceDiscovery.class)).isSameAs(context.getBean("ownDiscovery"));
      assertThat(context.getBean(ServiceSelector.class)).isSameAs(context.getBean("ownSelector"));
      assertThat(context.getBean(ConsulAgent.class)).isSameAs(context.getBean("ownAgent"));
      assertThat(context.getBean(ConsulDiscoveryClient.class)).isSameAs(context.getBean("ownClient"));
      assertThat(context.getBean(SelectorOutcomeReporter.class)).isSameAs(context.getBean("ownReporter"));
    });
  }

  @Test
  void discoveryIsClosedWithTheContext() {
    ServiceDiscovery[] discovery = new ServiceDiscovery[1];
    runner.run(context -> discovery[0] = context.getBean(ServiceDiscovery.class));
    assertThatThrownBy(() -> discovery[0].instances("web")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void propertiesReachTheSettings() {
    runner.withPropertyValues("discovery.consul.datacenter=dc2", "discovery.consul.health=warning",
        "discovery.consul.max-staleness=90s", "discovery.consul.agents=127.0.0.1:8501,https://10.0.0.1:8501")
        .run(context -> {
          ConsulSettings settings = context.getBean(ConsulSettings.class);
          assertThat(settings.datacenter()).isEqualTo("dc2");
          assertThat(settings.health()).isEqualTo(HealthFilter.PASSING_OR_WARNING);
          assertThat(settings.query("web")).isEqualTo(ServiceQuery.of("web").withHealth(HealthFilter.PASSING_OR_WARNING));
          assertThat(settings.maxStaleness()).hasSeconds(90);
          assertThat(settings.agents()).containsExactly(URI.create("http://127.0.0.1:8501"),
              URI.create("https://10.0.0.1:8501"));
          assertThat(context.getBean(ConsulAgent.class).uri()).isEqualTo(URI.create("http://127.0.0.1:8501"));
        });
  }

  @Test
  void dnsBackend() {
    runner.withPropertyValues("discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1:8600")
        .run(context -> {
          assertThat(((CachingDiscovery) context.getBean(ServiceDiscovery.class)).backendName())
              .isEqualTo("consul-dns");
          assertThat(context.getBean(ConsulSettings.class).dnsServer().getPort()).isEqualTo(8600);
        });
  }

  @Test
  void selectorProperties() {
    runner.withPropertyValues("discovery.consul.selector.failures-to-eject=-1")
        .run(context -> assertStartupFailure(context, "discovery.consul.selector.failures-to-eject"));
    runner.withPropertyValues("discovery.consul.selector.max-ejected-percent=101")
        .run(context -> assertStartupFailure(context, "discovery.consul.selector.max-ejected-percent"));
    runner.withPropertyValues("discovery.consul.selector.balancer=least-in-flight")
        .run(context -> assertThat(context).hasSingleBean(ServiceSelector.class));
  }

  @Test
  void unparsableAgentUriStopsStartUp() {
    runner.withPropertyValues("discovery.consul.agents=http://bad host:85 00").run(context -> {
      DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.agents[0]");
      assertThat(e.getMessage()).contains("http://host:port");
    });
    runner.withPropertyValues("discovery.consul.agents=ftp://127.0.0.1:8500")
        .run(context -> assertStartupFailure(context, "discovery.consul.agents[0]"));
  }

  @Test
  void missingTokenFileStopsStartUp(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-token");
    runner.withPropertyValues("discovery.consul.token-file=" + missing).run(context -> {
      DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.token-file");
      assertThat(e.getMessage()).contains(missing.toString()).contains("fix the path");
    });
  }

  @Test
  void tokenFileIsUsedAndNeverShown(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "s3cr3t-token-file\n");
    runner.withPropertyValues("discovery.consul.token-file=" + file).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(ConsulSettings.class).toString()).doesNotContain("s3cr3t");
      assertThat(context.getBean(ConsulAgent.class).toString()).doesNotContain("s3cr3t").contains("token set");
    });
  }

  @Test
  void tokenIsNeverShown() {
    runner.withPropertyValues("discovery.consul.token=s3cr3t-token").run(context -> {
      assertThat(context.getBean(DiscoveryConsulProperties.class).toString()).doesNotContain("s3cr3t");
      assertThat(context.getBean(ConsulSettings.class).toString()).doesNotContain("s3cr3t");
    });
  }

  /** Tokens with a character OkHttp would refuse in a header (and quote whole in its message). */
  private static final List<String> BAD_TOKENS = List.of("\uFEFFZq7Wx-Pk3Jm", "Zq7Wx-Pk3Jm\nQx8Yu-Ww2Ee",
      "Zq7Wx\u00A0Pk3Jm", "Zq7Wx\u0007Pk3Jm");

  @Test
  void aTokenNoHeaderCanCarryStopsStartUpWithoutBeingShown() {
    for (String bad : BAD_TOKENS) {
      runner.withPropertyValues("discovery.consul.token=" + bad).run(context -> {
        DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.token");
        assertThat(e.getMessage()).contains("visible ASCII");
        assertNoPartOfTheToken(context.getStartupFailure());
      });
    }
  }

  @Test
  void aTokenFileWithABomASecondLineOrAnotherBadCharacterStopsStartUp(@TempDir Path dir) throws Exception {
    int n = 0;
    for (String bad : BAD_TOKENS) {
      Path file = Files.writeString(dir.resolve("token" + n++), bad + "\n", StandardCharsets.UTF_8);
      runner.withPropertyValues("discovery.consul.token-file=" + file).run(context -> {
        DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.token-file");
        assertThat(e.getMessage()).contains(file.toString()).contains("visible ASCII");
        assertNoPartOfTheToken(context.getStartupFailure());
      });
    }
  }

  /** Neither the failure nor any cause shows four characters in a row of the tokens above. */
  private static void assertNoPartOfTheToken(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String text = String.valueOf(t.getMessage());
      for (String part : List.of("Zq7Wx-Pk3Jm", "Qx8Yu-Ww2Ee")) {
        for (int i = 0; i + 4 <= part.length(); i++) {
          assertThat(text).doesNotContain(part.substring(i, i + 4));
        }
      }
    }
  }

  @Test
  void agentValuesAreShownWithoutUserInfo() {
    for (String bad : List.of("ftp://user:s3cret@127.0.0.1:8500", "http://user:p@ss w0rd@127.0.0.1:8500",
        "http://user:s3cret@bad_host:8500", "http://user:s3cret@127.0.0.1:8500")) {
      runner.withPropertyValues("discovery.consul.agents=" + bad).run(context -> {
        assertStartupFailure(context, "discovery.consul.agents[0]");
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
          assertThat(String.valueOf(t.getMessage())).doesNotContain("s3cret").doesNotContain("w0rd")
              .doesNotContain("user:");
        }
      });
    }
  }

  @Test
  void tokenAndTokenFileTogetherStopStartUp(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "t");
    runner.withPropertyValues("discovery.consul.token=s3cr3t", "discovery.consul.token-file=" + file)
        .run(context -> {
          DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.token");
          assertThat(e.getMessage()).doesNotContain("s3cr3t");
        });
  }

  @Test
  void dnsBackendWithoutServerStopsStartUp() {
    runner.withPropertyValues("discovery.consul.backend=dns").run(context -> {
      DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.dns.server");
      assertThat(e.getMessage()).contains("127.0.0.1:8600");
    });
    runner.withPropertyValues("discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1")
        .run(context -> assertStartupFailure(context, "discovery.consul.dns.server"));
  }

  @Test
  void nonPositiveMaxStalenessStopsStartUp() {
    runner.withPropertyValues("discovery.consul.max-staleness=0s")
        .run(context -> assertStartupFailure(context, "discovery.consul.max-staleness"));
  }

  @Test
  void failureAnalyzerNamesThePropertyAndTheFix() {
    runner.withPropertyValues("discovery.consul.backend=dns").run(context -> {
      DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.dns.server");
      FailureAnalysis analysis = new DiscoveryConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis.getDescription()).startsWith("discovery.consul.dns.server:");
      assertThat(analysis.getAction()).contains("discovery.consul.dns.server").contains(e.fix());
    });
  }

  @Test
  void registrationIsMadeForWebApplicationsOnly() {
    WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(ALL)
        .withPropertyValues("discovery.consul.agents=" + AGENT);
    web.run(context -> assertThat(context).hasSingleBean(SelfRegistration.class));
    web.withPropertyValues("discovery.consul.registration.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(SelfRegistration.class));
    web.withPropertyValues("spring.cloud.service-registry.auto-registration.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(SelfRegistration.class));
    web.withPropertyValues("discovery.consul.registration.retry-interval=0s")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.retry-interval"));
    // A web application context without a server (as in a mock-MVC test) registers nothing.
    web.run(context -> assertThat(context.getBean(SelfRegistration.class).registration()).isNull());
  }

  @Test
  void invalidDatacenterNamesItsOwnProperty() {
    runner.withPropertyValues("discovery.consul.datacenter=dc 1").run(context -> {
      DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.datacenter");
      assertThat(e.fix()).contains("dc1");
    });
    // DNS needs one label: a dot is fine over HTTP but not there.
    runner.withPropertyValues("discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1:8600",
        "discovery.consul.datacenter=eu.west").run(context -> {
          DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.datacenter");
          assertThat(e.fix()).contains("DNS label");
        });
  }

  @Test
  void invalidDnsDomainNamesItsOwnProperty() {
    runner.withPropertyValues("discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1:8600",
        "discovery.consul.dns.domain=..consul").run(context -> {
          DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.dns.domain");
          assertThat(e.fix()).contains("consul.");
        });
  }

  @Test
  void zeroDnsRefreshIntervalNamesItsOwnProperty() {
    runner.withPropertyValues("discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1:8600",
        "discovery.consul.dns.refresh-interval=0s").run(context -> {
          DiscoveryConfigurationException e = assertStartupFailure(context, "discovery.consul.dns.refresh-interval");
          assertThat(e.fix()).contains("5s");
        });
    // The HTTP backend never reads the dns.* settings, so they cannot stop it.
    runner.withPropertyValues("discovery.consul.dns.refresh-interval=0s", "discovery.consul.dns.domain=..x")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void dnsSettingsReachTheDiscovery() {
    runner.withPropertyValues("discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1:8600",
        "discovery.consul.dns.domain=corp", "discovery.consul.dns.refresh-interval=2s").run(context -> {
          ConsulSettings settings = context.getBean(ConsulSettings.class);
          assertThat(settings.dnsDomain()).isEqualTo("corp");
          assertThat(settings.dnsRefreshInterval()).hasSeconds(2);
        });
  }

  @Test
  void zeroEjectionTimeNamesItsOwnProperty() {
    runner.withPropertyValues("discovery.consul.selector.ejection-time=0s")
        .run(context -> assertStartupFailure(context, "discovery.consul.selector.ejection-time"));
  }

  @Test
  void enabledFalseWithTheApplicationsOwnDiscoveryAndSelectorStarts() {
    runner.withUserConfiguration(OwnDiscoveryAndSelector.class).withPropertyValues("discovery.consul.enabled=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(ServiceDiscovery.class)).isSameAs(context.getBean("ownDiscovery"));
          assertThat(context).doesNotHaveBean(ConsulSettings.class);
          assertThat(context).doesNotHaveBean(ConsulDiscoveryClient.class);
          assertThat(context).doesNotHaveBean(ConsulReactiveDiscoveryClient.class);
          assertThat(context).doesNotHaveBean(SelectorOutcomeReporter.class);
          assertThat(context).doesNotHaveBean("discoveryConsulHealthIndicator");
        });
    new WebApplicationContextRunner().withConfiguration(ALL).withUserConfiguration(OwnDiscoveryAndSelector.class)
        .withBean(ConsulAgent.class, () -> ConsulAgent.create(URI.create(AGENT)))
        .withPropertyValues("discovery.consul.enabled=false", "spring.application.name=web").run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(SelfRegistration.class);
        });
  }

  @Test
  void registrationPropertiesAreCheckedWhenTheBeanIsMadeNamingTheExactProperty() {
    // With registration.port set, even a context without a web server would register, so it is checked.
    WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(ALL)
        .withPropertyValues("discovery.consul.agents=" + AGENT, "discovery.consul.registration.port=8080",
            "spring.application.name=orders");
    web.run(context -> assertThat(context).hasNotFailed().hasSingleBean(SelfRegistration.class));
    web.withPropertyValues("discovery.consul.registration.port=0")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.port"));
    web.withPropertyValues("discovery.consul.registration.port=-1")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.port"));
    web.withPropertyValues("discovery.consul.registration.port=65536")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.port"));
    web.withPropertyValues("spring.application.name=")
        .run(context -> assertStartupFailure(context, "spring.application.name"));
    web.withPropertyValues("discovery.consul.registration.service-name=a b")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.service-name"));
    web.withPropertyValues("discovery.consul.registration.instance-id=orders/1")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.instance-id"));
    web.withPropertyValues("discovery.consul.registration.address=0.0.0.0")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.address"));
    web.withPropertyValues("discovery.consul.registration.tags[0]=v1", "discovery.consul.registration.tags[1]= ")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.tags[1]"));
    web.withPropertyValues("discovery.consul.registration.meta.consul-owner=me")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.meta.consul-owner"));
    web.withPropertyValues("discovery.consul.registration.check.ttl=0s")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.check.ttl"));
    web.withPropertyValues("discovery.consul.registration.check.type=http",
        "discovery.consul.registration.check.timeout=-1s")
        .run(context -> assertStartupFailure(context, "discovery.consul.registration.check.timeout"));
    web.withPropertyValues("discovery.consul.registration.check.deregister-critical-service-after=0s").run(context ->
        assertStartupFailure(context, "discovery.consul.registration.check.deregister-critical-service-after"));
  }

  @Test
  void aWebContextWithoutAServerNeedsNoApplicationName() {
    // A mock-MVC test registers nothing, so a missing spring.application.name must not stop it.
    new WebApplicationContextRunner().withConfiguration(ALL).withPropertyValues("discovery.consul.agents=" + AGENT)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(SelfRegistration.class).registration()).isNull();
        });
  }

  private static DiscoveryConfigurationException assertStartupFailure(ApplicationContextAssertProvider<?> context,
      String property) {
    Throwable failure = context.getStartupFailure();
    assertThat(failure).isNotNull();
    Throwable t = failure;
    while (t != null && !(t instanceof DiscoveryConfigurationException)) {
      t = t.getCause();
    }
    assertThat(t).as("a DiscoveryConfigurationException in %s", failure).isNotNull();
    DiscoveryConfigurationException e = (DiscoveryConfigurationException) t;
    assertThat(e.property()).isEqualTo(property);
    assertThat(e.getMessage()).startsWith(property + ":");
    return e;
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnDiscoveryAndSelector {
    @Bean
    ServiceDiscovery ownDiscovery() {
      return ConsulDiscovery.http().agents(URI.create(AGENT)).build();
    }

    @Bean
    ServiceSelector ownSelector(ServiceDiscovery discovery) {
      return ServiceSelector.builder(discovery).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    @Bean
    ServiceDiscovery ownDiscovery() {
      return ConsulDiscovery.http().agents(URI.create(AGENT)).build();
    }

    @Bean
    ServiceSelector ownSelector(ServiceDiscovery discovery) {
      return ServiceSelector.builder(discovery).build();
    }

    @Bean
    ConsulAgent ownAgent() {
      return ConsulAgent.create(URI.create(AGENT));
    }

    @Bean
    ConsulDiscoveryClient ownClient(ServiceDiscovery discovery) {
      return new ConsulDiscoveryClient(discovery, ConsulSettings.of(new DiscoveryConsulProperties()), null);
    }

    @Bean
    SelectorOutcomeReporter ownReporter(ServiceSelector selector) {
      return new SelectorOutcomeReporter(selector);
    }
  }
}
