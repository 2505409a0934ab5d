package dev.discovery.balance;

import dev.discovery.DiscoveryException;
import java.io.IOException;

/**
 * An HTTP request addressed to a service could not be sent because discovery had no instance to offer
 * (none healthy, or the registry unreachable with nothing fresh enough cached). An {@link IOException} so
 * that HTTP clients treat it as the failed call it is; the cause says why discovery had nothing.
 */
public class NoInstanceAvailableException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String service;

  /** No instance of {@code service} could be chosen, because of {@code cause}. */
  public NoInstanceAvailableException(String service, DiscoveryException cause) {
    super("no instance of service '" + service + "' to send the request to: " + cause.getMessage(), cause);
    this.service = service;
  }

  /** The service the request was addressed to. */
  public String service() {
    return service;
  }
}
