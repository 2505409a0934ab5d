package dev.discovery.spring.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spring.ConsulSettings;
import dev.discovery.spring.DiscoveryConsulProperties;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.ServiceInstance;
import reactor.core.Disposable;

/** The push-fed supplier emits the current list, then each change, and completes when its context closes. */
class SubscribingServiceInstanceListSupplierTest {
  private static String web(int n) {
    return "{\"Name\":\"web\",\"ID\":\"web-" + n + "\",\"Address\":\"127.0.0.1\",\"Port\":" + (8080 + n) + "}";
  }

  @Test
  void emitsEveryChange() throws Exception {
    ConsulTestAgent consul = ConsulTestAgent.builder().start();
    try (consul; CachingDiscovery discovery = ConsulDiscovery.http().agents(consul.httpUri()).build()) {
      consul.registerService(web(1));
      SubscribingServiceInstanceListSupplier supplier = new SubscribingServiceInstanceListSupplier("web", discovery,
          ConsulSettings.of(new DiscoveryConsulProperties()));
      assertThat(supplier.getServiceId()).isEqualTo("web");
      BlockingQueue<List<ServiceInstance>> lists = new LinkedBlockingQueue<>();
      AtomicBoolean completed = new AtomicBoolean();
      Disposable subscription = supplier.get().subscribe(lists::add, e -> { }, () -> completed.set(true));

      assertThat(lists.poll(10, TimeUnit.SECONDS)).extracting(ServiceInstance::getPort).containsExactly(8081);
      consul.registerService(web(2));
      assertThat(lists.poll(10, TimeUnit.SECONDS)).extracting(ServiceInstance::getPort)
          .containsExactlyInAnyOrder(8081, 8082);
      consul.deregisterService(consul.nodeName(), "web-1");
      assertThat(lists.poll(10, TimeUnit.SECONDS)).extracting(ServiceInstance::getPort).containsExactly(8082);

      // A later subscriber starts with the latest list.
      assertThat(supplier.get().blockFirst()).extracting(ServiceInstance::getPort).containsExactly(8082);

      supplier.destroy();
      assertThat(completed).isTrue();
      subscription.dispose();
    }
  }
}
