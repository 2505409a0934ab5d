package dev.discovery;

/** The registry does not know the service at all (only backends that can tell unknown from unhealthy throw it). */
public class ServiceNotFoundException extends DiscoveryException {
  private static final long serialVersionUID = 1L;

  /** The registry behind {@code backend} has no service named {@code service}. */
  public ServiceNotFoundException(String service, String backend) {
    super(service, backend,
        "service '" + service + "' is not registered in " + backend
            + "; check the name, or register the service first", null);
  }
}
