package dev.discovery.consul;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to talk HTTPS to a Consul agent: the CA certificates (PEM) that signed the agent's certificate and,
 * for mutual TLS ({@code verify_incoming}), the client certificate and its private key (PEM: PKCS#8, SEC 1 or PKCS#1).
 *
 * <p>Only the given CAs are trusted, not the platform's ({@link #systemTrust()} trusts the platform's instead).
 * Files are read when the client is built, so a mistake fails at start-up with a message naming the file.
 * {@link ConsulEnvironment#tls()} builds one from {@code CONSUL_CACERT}, {@code CONSUL_CLIENT_CERT},
 * {@code CONSUL_CLIENT_KEY}, {@code CONSUL_TLS_SERVER_NAME} and {@code CONSUL_HTTP_SSL_VERIFY}.
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
  private final String serverName;
  private final boolean verify;

  private ConsulTls(Path caPem, Path clientCertPem, Path clientKeyPem, String serverName, boolean verify) {
    this.caPem = caPem;
    this.clientCertPem = clientCertPem;
    this.clientKeyPem = clientKeyPem;
    this.serverName = serverName;
    this.verify = verify;
  }

  /**
   * Trust the CA certificates in {@code caPem}, and only those: a PEM file of one or more certificates
   * ({@code CONSUL_CACERT}), or a directory whose files, at any depth, each hold PEM certificates
   * ({@code CONSUL_CAPATH}).
   */
  public static ConsulTls trusting(Path caPem) {
    return new ConsulTls(Objects.requireNonNull(caPem, "caPem"), null, null, null, true);
  }

  /**
   * Trust the platform's CAs (the JDK's default trust store), as Consul's tools do when {@code CONSUL_CACERT}
   * is unset; useful with a client certificate, or an agent certificate from a public CA.
   */
  public static ConsulTls systemTrust() {
    return new ConsulTls(null, null, null, null, true);
  }

  /**
   * HTTPS without any verification of the agent ({@code systemTrust().withoutVerification()}): every certificate
   * is accepted, whoever signed it and whatever host it names. Exists only for set-ups that ran with verification
   * off before (mesos-consul's {@code --consul-ssl-verify=false}, Go's {@code InsecureSkipVerify}); prefer a CA
   * file. A client certificate can still be added.
   */
  public static ConsulTls insecure() {
    return systemTrust().withoutVerification();
  }

  /**
   * This configuration plus a client certificate for mutual TLS: {@code certPem} holds the certificate
   * (optionally followed by intermediates), {@code keyPem} its unencrypted key: PKCS#8
   * ({@code -----BEGIN PRIVATE KEY-----}), SEC 1 ({@code -----BEGIN EC PRIVATE KEY-----}, as
   * {@code consul tls cert create} writes it) or PKCS#1 ({@code -----BEGIN RSA PRIVATE KEY-----}).
   */
  public ConsulTls withClientCertificate(Path certPem, Path keyPem) {
    return new ConsulTls(caPem, Objects.requireNonNull(certPem, "certPem"),
        Objects.requireNonNull(keyPem, "keyPem"), serverName, verify);
  }

  /**
   * This configuration, checking the agent's certificate against {@code name} instead of the host of the
   * agent's address ({@code CONSUL_TLS_SERVER_NAME}): for agents reached by IP address or through a name
   * their certificate does not carry, such as {@code server.dc1.consul}. The name is also sent as the TLS
   * server name (SNI), so a proxy in front of the agents can route on it.
   */
  public ConsulTls withServerName(String name) {
    if (name == null || name.isBlank() || name.strip().contains(" ")) {
      throw new IllegalArgumentException("serverName must be a host name such as server.dc1.consul, was '"
          + name + "'");
    }
    return new ConsulTls(caPem, clientCertPem, clientKeyPem, name.strip(), verify);
  }

  /**
   * This configuration without any check of the agent's certificate or name ({@code CONSUL_HTTP_SSL_VERIFY=false}):
   * anyone on the path can read and change the traffic, the token included. For tests only; each client logs a WARN
   * at its first HTTPS handshake without verification.
   */
  public ConsulTls withoutVerification() {
    return new ConsulTls(caPem, clientCertPem, clientKeyPem, serverName, false);
  }

  /** The CA file or directory, or {@code null} when the platform's CAs are trusted. */
  public Path caPem() {
    return caPem;
  }

  /** The name the agent's certificate is checked against, or {@code null} for the address's host. */
  public String serverName() {
    return serverName;
  }

  /** Whether the agent's certificate is verified (false only after {@link #withoutVerification()}). */
  public boolean verifies() {
    return verify;
  }

  /** Whether a client certificate is configured. */
  public boolean mutual() {
    return clientCertPem != null;
  }

  /** The client certificate file, or {@code null} without mutual TLS. */
  public Path clientCertificatePem() {
    return clientCertPem;
  }

  /** The client key file, or {@code null} without mutual TLS. */
  public Path clientKeyPem() {
    return clientKeyPem;
  }

  @Override
  public String toString() {
    return "ConsulTls{ca=" + (caPem == null ? "platform" : caPem)
        + (clientCertPem == null ? "" : ", clientCert=" + clientCertPem)
        + (serverName == null ? "" : ", serverName=" + serverName)
        + (verify ? "" : ", verification OFF") + "}";
  }
}
