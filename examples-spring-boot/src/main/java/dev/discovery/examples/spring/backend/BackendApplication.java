package dev.discovery.examples.spring.backend;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The example backend: one endpoint, {@code GET /hello}, that says which instance answered. It has no
 * discovery code at all: the starter registers it in Consul (service {@code backend}) once its web server
 * listens, keeps its TTL check passing and deregisters it on shutdown.
 */
@SpringBootApplication
@RestController
public class BackendApplication {
  private final String instance;

  /** The instance's name, from {@code example.instance}. */
  public BackendApplication(@Value("${example.instance:backend}") String instance) {
    this.instance = instance;
  }

  /** Says hello from this instance. */
  @GetMapping("/hello")
  public String hello() {
    return "hello from " + instance;
  }
}
