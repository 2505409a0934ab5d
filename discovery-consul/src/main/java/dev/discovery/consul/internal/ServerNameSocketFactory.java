package dev.discovery.consul.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Makes every TLS socket ask for one server name (SNI) whatever host it connects to, as Consul's tools do with
 * {@code CONSUL_TLS_SERVER_NAME}. The JDK would otherwise send the address's host, and none for an IP address.
 */
final class ServerNameSocketFactory extends SSLSocketFactory {
  private final SSLSocketFactory delegate;
  private final List<SNIServerName> serverNames;

  private ServerNameSocketFactory(SSLSocketFactory delegate, SNIHostName name) {
    this.delegate = delegate;
    this.serverNames = List.of(name);
  }

  /**
   * {@code delegate} sending {@code name} as SNI; {@code delegate} itself when {@code name} cannot be sent
   * (an IP address, or not a valid DNS name), in which case the certificate is still checked against it.
   */
  static SSLSocketFactory sending(SSLSocketFactory delegate, String name) {
    if (name.indexOf(':') >= 0 || name.matches("[0-9.]+")) {
      return delegate; // RFC 6066: SNI carries host names only, never an address
    }
    try {
      return new ServerNameSocketFactory(delegate, new SNIHostName(name));
    } catch (IllegalArgumentException notAHostName) {
      return delegate;
    }
  }

  private Socket named(Socket socket) {
    if (socket instanceof SSLSocket) {
      SSLSocket ssl = (SSLSocket) socket;
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setServerNames(serverNames);
      ssl.setSSLParameters(parameters);
    }
    return socket;
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
    return named(delegate.createSocket(socket, host, port, autoClose));
  }

  @Override
  public Socket createSocket() throws IOException {
    return named(delegate.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return named(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return named(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return named(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return named(delegate.createSocket(address, port, localAddress, localPort));
  }
}
