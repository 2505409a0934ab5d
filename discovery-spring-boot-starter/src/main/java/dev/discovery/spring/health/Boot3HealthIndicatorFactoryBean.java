package dev.discovery.spring.health;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.beans.factory.FactoryBean;

/**
 * The health contributor on Spring Boot 3.x, whose health API is
 * {@code org.springframework.boot.actuate.health}. This jar is compiled against Boot 4, where that package
 * no longer exists, so the indicator is a dynamic proxy of Boot 3's {@code HealthIndicator} interface that
 * builds its {@code Health} through that API's public factory methods. It is only made when that interface is
 * present (see {@code DiscoveryHealthAutoConfiguration}); the factory bean's object type lets actuator find
 * it as a {@code HealthContributor}.
 */
public final class Boot3HealthIndicatorFactoryBean implements FactoryBean<Object> {
  /** Boot 3's health indicator interface. */
  public static final String INDICATOR = "org.springframework.boot.actuate.health.HealthIndicator";
  private static final String HEALTH = "org.springframework.boot.actuate.health.Health";

  private final Supplier<DiscoveryHealth> healthSupplier;
  private volatile DiscoveryHealth health;
  private final Class<?> indicatorType;
  private final Method status;

  /** Shows the health {@code health} supplies (asked once, at the first health call) through Boot 3's API. */
  public Boot3HealthIndicatorFactoryBean(Supplier<DiscoveryHealth> health) {
    this.healthSupplier = health;
    ClassLoader loader = Boot3HealthIndicatorFactoryBean.class.getClassLoader();
    try {
      this.indicatorType = Class.forName(INDICATOR, false, loader);
      this.status = Class.forName(HEALTH, false, loader).getMethod("status", String.class);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Spring Boot 3's health API (" + INDICATOR + ") is not usable", e);
    }
  }

  @Override
  public Object getObject() {
    InvocationHandler handler = this::invoke;
    return Proxy.newProxyInstance(indicatorType.getClassLoader(), new Class<?>[] {indicatorType}, handler);
  }

  @Override
  public Class<?> getObjectType() {
    return indicatorType;
  }

  private Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "health":
        if (method.getParameterCount() == 0) {
          return build(health().evaluate());
        }
        break;
      case "toString":
        return "DiscoveryHealthIndicator (Spring Boot 3)";
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      default:
        break;
    }
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    throw new UnsupportedOperationException(method.toString());
  }

  private DiscoveryHealth health() {
    DiscoveryHealth h = health;
    if (h == null) {
      h = healthSupplier.get();
      health = h;
    }
    return h;
  }

  private Object build(DiscoveryHealth.Report report) throws ReflectiveOperationException {
    Object builder = status.invoke(null, report.up() ? "UP" : "DOWN");
    builder = builder.getClass().getMethod("withDetails", Map.class).invoke(builder, report.details());
    return builder.getClass().getMethod("build").invoke(builder);
  }
}
