package dev.discovery.consul.http;

/** Placeholder until the blocking-query backend lands (next commit). */
final class HttpBackend implements dev.discovery.spi.DiscoveryBackend {
  private final HttpOptions options;

  HttpBackend(HttpOptions options) {
    this.options = options;
  }

  @Override
  public String describe() {
    return options.describe();
  }

  @Override
  public java.util.concurrent.CompletableFuture<dev.discovery.spi.Answer> fetch(dev.discovery.ServiceQuery query) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new UnsupportedOperationException("the Consul HTTP backend is not implemented yet"));
  }

  @Override
  public void close() {}
}
