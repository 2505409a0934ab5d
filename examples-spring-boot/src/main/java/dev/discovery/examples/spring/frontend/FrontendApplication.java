package dev.discovery.examples.spring.frontend;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The example frontend: {@code GET /call} calls {@code http://backend/hello} through a {@code @LoadBalanced}
 * {@link RestClient}. The starter makes {@code backend} resolve to a healthy instance from memory, spreads
 * the calls, ejects an instance that keeps failing, and keeps serving while Consul is down.
 */
@SpringBootApplication
@RestController
public class FrontendApplication {
  private final RestClient backend;

  /** Builds the client from the load-balanced builder. */
  public FrontendApplication(RestClient.Builder loadBalanced) {
    this.backend = loadBalanced.build();
  }

  /** The load-balanced builder: {@code http://<service>/...} goes to an instance of the service. */
  @Bean
  @LoadBalanced
  static RestClient.Builder loadBalancedRestClient() {
    return RestClient.builder();
  }

  /** Calls the backend once. */
  @GetMapping("/call")
  public String call() {
    return backend.get().uri("http://backend/hello").retrieve().body(String.class);
  }
}
