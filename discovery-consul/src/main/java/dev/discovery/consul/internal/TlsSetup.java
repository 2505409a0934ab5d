package dev.discovery.consul.internal;

import dev.discovery.consul.ConsulTls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * Turns a {@link ConsulTls} (which files, which name, whether to verify) into OkHttp's socket factory, trust
 * manager and host name check. The one place TLS is set up for every client that talks to an agent.
 * Internal: see the package documentation.
 */
public final class TlsSetup {
  // Logged under ConsulTls, the name users know from their configuration; this class is internal.
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsulTls.class);

  private TlsSetup() {}

  /**
   * Configures {@code builder}'s socket factory and trust manager from the PEM files.
   *
   * @throws IllegalArgumentException if a file cannot be read or parsed; the message names the file and the fix
   */
  public static OkHttpClient.Builder apply(ConsulTls tls, OkHttpClient.Builder builder) {
    Path caPem = tls.caPem();
    Path clientCertPem = tls.clientCertificatePem();
    Path clientKeyPem = tls.clientKeyPem();
    String serverName = tls.serverName();
    boolean verify = tls.verifies();
    HandshakeCertificates.Builder certs = new HandshakeCertificates.Builder();
    if (caPem == null) {
      certs.addPlatformTrustedCertificates();
    } else {
      for (X509Certificate ca : readCaCertificates(caPem)) {
        certs.addTrustedCertificate(ca);
      }
    }
    if (clientCertPem != null) {
      String certText = read(clientCertPem, "client certificate");
      String keyText = read(clientKeyPem, "client key");
      String pkcs8 = Pem.privateKeyPkcs8(keyText, clientKeyPem.toString());
      X509Certificate[] chain = readCertificates(clientCertPem, "client certificate");
      // readCertificates has just read at least one certificate from this text.
      String firstCert = Pem.block(certText, "CERTIFICATE");
      HeldCertificate held;
      try {
        held = HeldCertificate.decode(firstCert + "\n" + pkcs8);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("the client certificate " + clientCertPem + " and key "
            + clientKeyPem + " cannot be used together (" + e.getMessage()
            + "); check that the key belongs to the certificate", e);
      }
      X509Certificate[] intermediates = new X509Certificate[Math.max(0, chain.length - 1)];
      System.arraycopy(chain, 1, intermediates, 0, intermediates.length);
      certs.heldCertificate(held, intermediates);
    }
    HandshakeCertificates built = certs.build();
    if (!verify) {
      X509TrustManager trustAll = new TrustEverything();
      try {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {built.keyManager()}, new TrustManager[] {trustAll}, null);
        return builder.sslSocketFactory(context.getSocketFactory(), trustAll).hostnameVerifier((h, s) -> true);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot set up TLS without verification: " + e.getMessage(), e);
      }
    }
    if (serverName == null) {
      return builder.sslSocketFactory(built.sslSocketFactory(), built.trustManager());
    }
    String name = serverName;
    return builder.sslSocketFactory(ServerNameSocketFactory.sending(built.sslSocketFactory(), name),
            built.trustManager())
        .hostnameVerifier((host, session) -> presents(session, name));
  }

  /** Whether the peer's certificate in {@code session} names {@code name} (a DNS or IP subject alternative name). */
  private static boolean presents(SSLSession session, String name) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate
          && certificateNames((X509Certificate) chain[0], name);
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** The RFC 6125 check of {@code name} against the certificate's DNS and IP subject alternative names. */
  static boolean certificateNames(X509Certificate certificate, String name) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (names == null) {
      return false;
    }
    String host = normalise(name);
    for (List<?> entry : names) {
      Object type = entry.get(0);
      String value = String.valueOf(entry.get(1));
      if (Integer.valueOf(7).equals(type) && value.equalsIgnoreCase(host)) {
        return true;
      }
      if (Integer.valueOf(2).equals(type) && dnsNameMatches(normalise(value), host)) {
        return true;
      }
    }
    return false;
  }

  /** Exact match, or a leading {@code *.} wildcard standing for exactly one non-empty label. */
  static boolean dnsNameMatches(String pattern, String host) {
    if (pattern.startsWith("*.")) {
      int dot = host.indexOf('.');
      return dot > 0 && host.substring(dot).equals(pattern.substring(1));
    }
    return pattern.equals(host);
  }

  private static String normalise(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  /**
   * Accepts every certificate: {@link ConsulTls#withoutVerification()} only. Warns at the first HTTPS handshake it lets
   * through, so that the setting costs a WARN only where it weakens something (not for an http:// agent).
   */
  private static final class TrustEverything implements X509TrustManager {
    private final AtomicBoolean warned = new AtomicBoolean();

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      if (warned.compareAndSet(false, true)) {
        LOG.warn("TLS verification of the Consul agent's certificate is off:"
            + " the connection, ACL token included, is open to anyone on the path; use it for tests only");
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** The CAs of a PEM file, or of every file under a directory (as Consul's tools read CONSUL_CAPATH). */
  private static List<X509Certificate> readCaCertificates(Path fileOrDirectory) {
    if (!Files.isDirectory(fileOrDirectory)) {
      return List.of(readCertificates(fileOrDirectory, "CA"));
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(fileOrDirectory)) {
      files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("cannot list the CA directory " + fileOrDirectory + " ("
          + e.getClass().getSimpleName() + "); check the path and its permissions", e);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("the CA directory " + fileOrDirectory
          + " holds no file; put the CA certificates (PEM) there or point at a CA file instead");
    }
    List<X509Certificate> all = new ArrayList<>();
    for (Path file : files) {
      all.addAll(List.of(readCertificates(file, "CA")));
    }
    return all;
  }

  private static X509Certificate[] readCertificates(Path file, String what) {
    byte[] bytes = read(file, what).getBytes(StandardCharsets.US_ASCII);
    try {
      Collection<? extends Certificate> all =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
      if (all.isEmpty()) {
        throw new CertificateException("no certificate found");
      }
      return all.stream().map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the " + what + " file " + file
          + " holds no valid PEM certificate (" + e.getMessage()
          + "); it must contain -----BEGIN CERTIFICATE----- blocks", e);
    }
  }

  private static String read(Path file, String what) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the " + what + " file " + file + " ("
          + e.getClass().getSimpleName() + "); check the path and its permissions",
          new UncheckedIOException(e));
    }
  }

}
