package dev.discovery.spring;

import java.util.Locale;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks the Consul secrets in actuator's {@code /configprops} and {@code /env} output, which show values in
 * clear once {@code management.endpoint.configprops.show-values} or {@code management.endpoint.env.show-values}
 * is {@code always} or {@code when-authorized}: {@code discovery.consul.token} and the environment's
 * {@code CONSUL_HTTP_TOKEN} (the ACL token) and {@code CONSUL_HTTP_AUTH} (proxy basic credentials), in any of
 * the spellings Spring's relaxed binding accepts ({@code DISCOVERY_CONSUL_TOKEN}, {@code consul_http_token}...).
 * Paths such as {@code discovery.consul.token-file} and {@code CONSUL_HTTP_TOKEN_FILE} are not secrets and stay
 * visible, so an operator can still see which file is used.
 *
 * <p>It uses only {@link SanitizingFunction#apply} and {@link SanitizableData}'s key and
 * {@code withSanitizedValue()}, which Spring Boot 3.5 and 4 have alike.
 */
public final class ConsulTokenSanitizingFunction implements SanitizingFunction {
  private static final Set<String> SECRET_KEYS = Set.of(
      DiscoveryConsulProperties.PREFIX + ".token", "consul.http.token", "consul.http.auth");

  @Override
  public SanitizableData apply(SanitizableData data) {
    return data.getKey() != null && isSecret(data.getKey()) ? data.withSanitizedValue() : data;
  }

  /** Whether {@code key}, in any relaxed spelling, names one of the Consul secrets. */
  static boolean isSecret(String key) {
    // Relaxed binding: DISCOVERY_CONSUL_TOKEN and discovery.consul.token are the same property.
    String normal = key.strip().toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
    return SECRET_KEYS.contains(normal);
  }
}
