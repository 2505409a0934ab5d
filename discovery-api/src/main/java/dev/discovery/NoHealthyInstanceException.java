package dev.discovery;

/** The service has no instance that passes the query's health and tag filters right now. */
public class NoHealthyInstanceException extends DiscoveryException {
  private static final long serialVersionUID = 1L;

  /** No instance of {@code query}'s service is currently healthy in {@code backend}. */
  public NoHealthyInstanceException(ServiceQuery query, String backend) {
    super(query.service(), backend,
        "no healthy instance of " + query + " in " + backend
            + "; check the service's health checks, or relax the query's tags or health filter", null);
  }
}
