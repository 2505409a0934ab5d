package dev.discovery.spring.cloud;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import org.springframework.cloud.client.ServiceInstance;

/**
 * A Spring Cloud {@link ServiceInstance} over one of the library's instances, which it keeps
 * ({@link #instance()}) so that a call's outcome can be reported for that very instance.
 *
 * <p>Secure (https) when the instance's metadata says {@code secure=true} (what Spring Cloud Consul writes
 * for an https registration, and what this starter's self-registration writes when {@code server.ssl.enabled}
 * is true), or its metadata says {@code scheme=https}, or it carries the tag {@code secure}.
 */
public final class ConsulServiceInstance implements ServiceInstance {
  /** The metadata key that marks an instance as served over https, when its value is {@code true}. */
  public static final String SECURE_META = "secure";
  /** The metadata key naming the instance's scheme ({@code http} or {@code https}). */
  public static final String SCHEME_META = "scheme";
  /** The tag that marks an instance as served over https. */
  public static final String SECURE_TAG = "secure";

  private final dev.discovery.ServiceInstance instance;
  private final boolean secure;

  /** Wraps {@code instance}. */
  public ConsulServiceInstance(dev.discovery.ServiceInstance instance) {
    this.instance = Objects.requireNonNull(instance, "instance");
    Map<String, String> meta = instance.meta();
    this.secure = "true".equalsIgnoreCase(meta.get(SECURE_META))
        || "https".equalsIgnoreCase(meta.get(SCHEME_META))
        || instance.hasTag(SECURE_TAG);
  }

  /** The library's instance. */
  public dev.discovery.ServiceInstance instance() {
    return instance;
  }

  @Override
  public String getInstanceId() {
    return instance.id();
  }

  @Override
  public String getServiceId() {
    return instance.service();
  }

  @Override
  public String getHost() {
    return instance.host();
  }

  @Override
  public int getPort() {
    return instance.port();
  }

  @Override
  public boolean isSecure() {
    return secure;
  }

  @Override
  public URI getUri() {
    return URI.create(getScheme() + "://" + instance.address());
  }

  @Override
  public Map<String, String> getMetadata() {
    return instance.meta();
  }

  @Override
  public String getScheme() {
    return secure ? "https" : "http";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsulServiceInstance && ((ConsulServiceInstance) o).instance.equals(instance);
  }

  @Override
  public int hashCode() {
    return instance.hashCode();
  }

  @Override
  public String toString() {
    return "ConsulServiceInstance{" + instance.service() + " " + instance.id() + " at " + instance.address()
        + (secure ? " secure" : "") + "}";
  }

}
