package dev.discovery.consul.dns;

import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceQuery;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.TextParseException;

/**
 * Consul's DNS naming rules, without I/O: the name to ask for a query, and the address encoded in an
 * {@code <hex>.addr.<dc>.<domain>} SRV target.
 */
final class DnsNames {
  private final Name domain;
  private final Name altDomain;
  private final String defaultDatacenter;
  private final boolean rfc2782;
  private final String backend;

  DnsNames(Name domain, Name altDomain, String defaultDatacenter, boolean rfc2782, String backend) {
    this.domain = domain;
    this.altDomain = altDomain;
    this.defaultDatacenter = defaultDatacenter;
    this.rfc2782 = rfc2782;
    this.backend = backend;
  }

  /** Parses a domain such as {@code consul} or {@code consul.} into an absolute name; {@code what} names it. */
  static Name parseDomain(String domain, String what) {
    if (domain == null || domain.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank (Consul's default is 'consul.')");
    }
    String text = domain.endsWith(".") ? domain : domain + ".";
    if (text.startsWith(".") || text.contains("..")) {
      throw new IllegalArgumentException(what + " '" + domain + "' has an empty label; use a name like 'consul.'");
    }
    try {
      return Name.fromString(text);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(what + " '" + domain + "' is not a valid DNS name: " + e.getMessage(), e);
    }
  }

  /** Checks a datacenter given to the builder; it becomes one DNS label. */
  static String checkDatacenter(String datacenter) {
    if (datacenter == null || !isLabel(datacenter, false)) {
      throw new IllegalArgumentException("datacenter '" + datacenter
          + "' must be one DNS label (letters, digits, '-' or '_', at most 63 characters), such as 'dc1'");
    }
    return datacenter;
  }

  /**
   * The SRV name that asks Consul for {@code query}: {@code [<tag>.]<service>.service[.<dc>].<domain>}, or
   * {@code _<service>._<tag|tcp>.service[.<dc>].<domain>} in RFC 2782 form.
   *
   * @throws InvalidQueryException when the query cannot be expressed in Consul DNS (more than one tag, or a
   *     name that is not a DNS label)
   */
  Name serviceName(ServiceQuery query) {
    String service = query.service();
    if (!isLabel(service, false)) {
      throw invalid(query, "service name '" + service + "' is not a DNS label (letters, digits, '-' or '_', at most"
          + " 63 characters), so Consul cannot serve it over DNS; use the HTTP backend (ConsulDiscovery.http())");
    }
    if (query.tags().size() > 1) {
      throw invalid(query, "Consul DNS filters by one tag only, but the query requires " + query.tags().size()
          + " tags " + query.tags() + "; ask for one tag, or use the HTTP backend (ConsulDiscovery.http())"
          + " which filters by all of them");
    }
    String tag = query.tags().isEmpty() ? null : query.tags().iterator().next();
    if (tag != null && !isLabel(tag, true)) {
      throw invalid(query, "tag '" + tag + "' cannot be written in a DNS name (letters, digits, '-', '_' or '.'"
          + " only); use the HTTP backend (ConsulDiscovery.http()) for this tag");
    }
    String dc = query.datacenter() != null ? query.datacenter() : defaultDatacenter;
    if (dc != null && !isLabel(dc, false)) {
      throw invalid(query, "datacenter '" + dc + "' is not a DNS label; use a name such as 'dc1'");
    }
    StringBuilder name = new StringBuilder();
    // In RFC 2782 form "_tcp" means "no tag" and only one label may carry the tag, so a tag that is
    // "tcp" or contains dots keeps the standard form, which Consul answers identically.
    boolean useRfc2782 = rfc2782 && (tag == null || (!tag.equalsIgnoreCase("tcp") && tag.indexOf('.') < 0));
    if (useRfc2782) {
      name.append('_').append(service).append("._").append(tag == null ? "tcp" : tag);
    } else {
      if (tag != null) {
        name.append(tag).append('.');
      }
      name.append(service);
    }
    name.append(".service");
    if (dc != null) {
      name.append('.').append(dc);
    }
    try {
      return Name.concatenate(Name.fromString(name.toString()), domain);
    } catch (TextParseException | NameTooLongException e) {
      throw invalid(query, "the DNS name '" + name + "." + domain + "' is not valid (" + e.getMessage()
          + "); shorten the service, tag or datacenter name");
    }
  }

  /**
   * The name that runs the prepared query {@code query} over Consul DNS: {@code <name>.query[.<dc>].<domain>}
   * (Consul's {@code agent/dns.go} dispatch; reference/consul.md section 2.2). Consul lower-cases the name it is
   * asked, so a query defined with capitals is found only by its ID.
   *
   * @throws InvalidQueryException when the name or the datacenter is not a DNS label
   */
  Name preparedQueryName(ServiceQuery query) {
    String name = query.service();
    if (!isLabel(name, false)) {
      throw invalid(query, "prepared query name '" + name + "' is not a DNS label (letters, digits, '-' or '_', at"
          + " most 63 characters); run it with the HTTP backend (ConsulDiscovery.http())");
    }
    String dc = query.datacenter() != null ? query.datacenter() : defaultDatacenter;
    if (dc != null && !isLabel(dc, false)) {
      throw invalid(query, "datacenter '" + dc + "' is not a DNS label; use a name such as 'dc1'");
    }
    String text = name + ".query" + (dc == null ? "" : "." + dc);
    try {
      return Name.concatenate(Name.fromString(text), domain);
    } catch (TextParseException | NameTooLongException e) {
      throw invalid(query, "the DNS name '" + text + "." + domain + "' is not valid (" + e.getMessage() + ")");
    }
  }

  /**
   * The address Consul encoded in an {@code <hex>.addr[.<dc>].<domain>} target (8 hex digits for IPv4, 32 for
   * IPv6), or {@code null} when the target is not such a name under the domain or the alt domain.
   */
  InetAddress addrTarget(Name target) {
    Name relative = relativeTo(target, domain);
    if (relative == null && altDomain != null) {
      relative = relativeTo(target, altDomain);
    }
    if (relative == null || relative.labels() < 2 || relative.labels() > 3
        || !relative.getLabelString(1).equalsIgnoreCase("addr")) {
      return null;
    }
    String hex = relative.getLabelString(0);
    if (hex.length() != 8 && hex.length() != 32) {
      return null;
    }
    byte[] bytes = new byte[hex.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      bytes[i] = (byte) (hi << 4 | lo);
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null; // unreachable: the length is 4 or 16
    }
  }

  private static Name relativeTo(Name name, Name origin) {
    if (!name.subdomain(origin) || name.equals(origin)) {
      return null;
    }
    return name.relativize(origin);
  }

  private InvalidQueryException invalid(ServiceQuery query, String message) {
    return new InvalidQueryException(query.service(), backend,
        "cannot look up " + query + " over Consul DNS: " + message, null);
  }

  /** Letters, digits, '-' and '_' (and '.' between labels when {@code dots}), each label 1..63 characters. */
  private static boolean isLabel(String text, boolean dots) {
    if (text.isEmpty() || text.length() > (dots ? 200 : 63)) {
      return false;
    }
    int labelLength = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '.' && dots) {
        if (labelLength == 0) {
          return false;
        }
        labelLength = 0;
        continue;
      }
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || c == '_';
      if (!ok || ++labelLength > 63) {
        return false;
      }
    }
    return labelLength > 0;
  }

  /** The query name in lower case, for messages and log lines. */
  static String display(Name name) {
    return name.toString().toLowerCase(Locale.ROOT);
  }
}
