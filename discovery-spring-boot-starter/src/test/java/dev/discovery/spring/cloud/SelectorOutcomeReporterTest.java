package dev.discovery.spring.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.balance.Outcome;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/** Which completed calls count as failures. */
class SelectorOutcomeReporterTest {
  private static CompletionContext<Object, ServiceInstance, Object> completion(CompletionContext.Status status,
      Object response) {
    return new CompletionContext<>(status, new DefaultRequest<>(), null, response);
  }

  private static ResponseData status(HttpStatus status) {
    return new ResponseData(status, new HttpHeaders(), null, null);
  }

  @Test
  void outcomes() {
    assertThat(SelectorOutcomeReporter.outcome(completion(CompletionContext.Status.SUCCESS, status(HttpStatus.OK))))
        .isEqualTo(Outcome.SUCCESS);
    assertThat(SelectorOutcomeReporter.outcome(completion(CompletionContext.Status.SUCCESS, status(HttpStatus.NOT_FOUND))))
        .isEqualTo(Outcome.SUCCESS);
    assertThat(SelectorOutcomeReporter.outcome(completion(CompletionContext.Status.SUCCESS, status(HttpStatus.BAD_GATEWAY))))
        .isEqualTo(Outcome.FAILURE);
    assertThat(SelectorOutcomeReporter.outcome(completion(CompletionContext.Status.FAILED, null)))
        .isEqualTo(Outcome.FAILURE);
    assertThat(SelectorOutcomeReporter.outcome(completion(CompletionContext.Status.DISCARD, null))).isNull();
    assertThat(SelectorOutcomeReporter.outcome(completion(CompletionContext.Status.SUCCESS, "not response data")))
        .isEqualTo(Outcome.SUCCESS);
  }
}
