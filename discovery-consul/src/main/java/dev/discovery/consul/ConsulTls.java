package dev.discovery.consul;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * How to talk HTTPS to a Consul agent: the CA certificates (PEM) that signed the agent's certificate and,
 * for mutual TLS ({@code verify_incoming}), the client certificate and its PKCS#8 private key (PEM).
 *
 * <p>Only the given CAs are trusted, not the platform's. Files are read when the client is built, so a
 * mistake fails at start-up with a message naming the file.
 *
 * <p>{@link #insecure()} turns verification off altogether, for drop-in compatibility with tools that offered
 * it (mesos-consul's {@code --consul-ssl-verify=false}); prefer a CA file.
 *
 * <pre>{@code
 * ConsulTls tls = ConsulTls.trusting(Path.of("consul-agent-ca.pem"))
 *     .withClientCertificate(Path.of("client.pem"), Path.of("client-key.pem"));
 * }</pre>
 */
public final class ConsulTls {
  private final Path caPem;
  private final Path clientCertPem;
  private final Path clientKeyPem;

  private ConsulTls(Path caPem, Path clientCertPem, Path clientKeyPem) {
    this.caPem = caPem;
    this.clientCertPem = clientCertPem;
    this.clientKeyPem = clientKeyPem;
  }

  /** Trust the CA certificates in {@code caPem} (one or more PEM blocks), and only those. */
  public static ConsulTls trusting(Path caPem) {
    return new ConsulTls(Objects.requireNonNull(caPem, "caPem"), null, null);
  }

  /**
   * HTTPS without any verification of the agent: every certificate is accepted, whoever signed it and
   * whatever host it names. Traffic is encrypted but anyone on the path can impersonate the agent and read
   * the ACL token. Exists only for set-ups that ran with verification off before (Go's
   * {@code InsecureSkipVerify}); log a warning when you use it. A client certificate can still be added.
   */
  public static ConsulTls insecure() {
    return new ConsulTls(null, null, null);
  }

  /**
   * This configuration plus a client certificate for mutual TLS: {@code certPem} holds the certificate
   * (optionally followed by intermediates), {@code keyPem} its unencrypted PKCS#8 key
   * ({@code -----BEGIN PRIVATE KEY-----}).
   */
  public ConsulTls withClientCertificate(Path certPem, Path keyPem) {
    return new ConsulTls(caPem, Objects.requireNonNull(certPem, "certPem"),
        Objects.requireNonNull(keyPem, "keyPem"));
  }

  /** The CA file, or null for {@link #insecure()}. */
  public Path caPem() {
    return caPem;
  }

  /** Whether the agent's certificate and host name are verified (false only for {@link #insecure()}). */
  public boolean verifiesAgent() {
    return caPem != null;
  }

  /** Whether a client certificate is configured. */
  public boolean mutual() {
    return clientCertPem != null;
  }

  /**
   * Configures {@code builder}'s socket factory and trust manager from the PEM files.
   *
   * @throws IllegalArgumentException if a file cannot be read or parsed; the message names the file and the fix
   */
  public OkHttpClient.Builder applyTo(OkHttpClient.Builder builder) {
    HandshakeCertificates.Builder certs = new HandshakeCertificates.Builder();
    if (caPem != null) {
      for (X509Certificate ca : readCertificates(caPem, "CA")) {
        certs.addTrustedCertificate(ca);
      }
    }
    if (clientCertPem != null) {
      String certText = read(clientCertPem, "client certificate");
      String keyText = read(clientKeyPem, "client key");
      if (!keyText.contains("-----BEGIN PRIVATE KEY-----")) {
        throw new IllegalArgumentException("the client key " + clientKeyPem
            + " is not an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----); convert it with"
            + " 'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'");
      }
      X509Certificate[] chain = readCertificates(clientCertPem, "client certificate");
      String firstCert = pemBlock(certText, "CERTIFICATE");
      HeldCertificate held;
      try {
        held = HeldCertificate.decode(firstCert + "\n" + pemBlock(keyText, "PRIVATE KEY"));
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
    if (caPem == null) {
      try {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {built.keyManager()}, new TrustManager[] {TrustEveryone.INSTANCE}, null);
        return builder.sslSocketFactory(context.getSocketFactory(), TrustEveryone.INSTANCE)
            .hostnameVerifier((host, session) -> true);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this JVM cannot create a TLS context (" + e.getMessage() + ")", e);
      }
    }
    return builder.sslSocketFactory(built.sslSocketFactory(), built.trustManager());
  }

  /**
   * Accepts every server certificate. Extended so that the JDK does not wrap it with its own host name and
   * constraint checks, which would defeat the purpose.
   */
  private static final class TrustEveryone extends X509ExtendedTrustManager {
    static final TrustEveryone INSTANCE = new TrustEveryone();

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
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

  private static String pemBlock(String text, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end, Math.max(from, 0));
    if (from < 0 || to < 0) {
      throw new IllegalArgumentException("no " + begin + " block found");
    }
    return text.substring(from, to + end.length());
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

  @Override
  public String toString() {
    return "ConsulTls{" + (caPem == null ? "insecure: agent certificates not verified" : "ca=" + caPem)
        + (clientCertPem == null ? "" : ", clientCert=" + clientCertPem) + "}";
  }
}
