package dev.discovery.consul.internal;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;

/**
 * PEM text: finding a block, and turning the private-key PEM formats that Consul's and OpenSSL's tools write into the PKCS#8 form the JDK reads:
 * {@code EC PRIVATE KEY} (SEC 1, what {@code consul tls cert create} writes) and {@code RSA PRIVATE KEY}
 * (PKCS#1). Both only need wrapping: PKCS#8 is the same key inside an algorithm identifier. Encrypted keys are
 * refused with the command that decrypts them.
 */
final class Pem {
  private static final byte[] OID_EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final byte[] OID_RSA_ENCRYPTION =
      {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  private static final byte[] DER_NULL = {0x05, 0x00};
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  private Pem() {}

  /**
   * The {@code -----BEGIN PRIVATE KEY-----} block for the key in {@code text}.
   *
   * @param source names the key in error messages (its file)
   * @throws IllegalArgumentException naming {@code source} and the fix when the key is in no format read here
   */
  static String privateKeyPkcs8(String text, String source) {
    if (text.contains("-----BEGIN PRIVATE KEY-----")) {
      return keyBlock(text, "PRIVATE KEY", source);
    }
    if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new IllegalArgumentException("the client key " + source + " is encrypted; decrypt it with"
          + " 'openssl pkey -in key.pem -out key-plain.pem' (and protect the file instead)");
    }
    if (text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      byte[] sec1 = der(keyBlock(text, "EC PRIVATE KEY", source), source);
      byte[] curve = namedCurve(sec1, source);
      return pem(sequence(VERSION_0, sequence(OID_EC_PUBLIC_KEY, curve), octetString(sec1)));
    }
    if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
      byte[] pkcs1 = der(keyBlock(text, "RSA PRIVATE KEY", source), source);
      return pem(sequence(VERSION_0, sequence(OID_RSA_ENCRYPTION, DER_NULL), octetString(pkcs1)));
    }
    throw new IllegalArgumentException("the client key " + source + " holds no PEM private key (expected"
        + " -----BEGIN PRIVATE KEY-----, -----BEGIN EC PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
  }

  /** The curve OID (tag and length included) from a SEC 1 ECPrivateKey's {@code [0] parameters}. */
  private static byte[] namedCurve(byte[] sec1, String source) {
    try {
      int[] outer = header(sec1, 0);
      if (sec1[0] != 0x30) {
        throw new IllegalArgumentException("not a SEQUENCE");
      }
      int at = outer[0];
      int end = at + outer[1];
      while (at < end) {
        int[] h = header(sec1, at);
        if ((sec1[at] & 0xff) == 0xa0) { // [0] EXPLICIT ECParameters: a namedCurve OID
          int oidAt = h[0];
          int[] oid = header(sec1, oidAt);
          if (sec1[oidAt] != 0x06) {
            break;
          }
          return Arrays.copyOfRange(sec1, oidAt, oid[0] + oid[1]);
        }
        at = h[0] + h[1];
      }
    } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the client key " + source + " is not a valid EC PRIVATE KEY ("
          + e.getMessage() + "); convert it with 'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'", e);
    }
    throw new IllegalArgumentException("the client key " + source + " names no curve; convert it with"
        + " 'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'");
  }

  /** {start of contents, length of contents} of the DER element at {@code at}. */
  private static int[] header(byte[] der, int at) {
    int first = der[at + 1] & 0xff;
    if (first < 0x80) {
      return new int[] {at + 2, first};
    }
    int bytes = first & 0x7f;
    if (bytes < 1 || bytes > 3) {
      throw new IllegalArgumentException("unsupported DER length");
    }
    int length = 0;
    for (int i = 0; i < bytes; i++) {
      length = (length << 8) | (der[at + 2 + i] & 0xff);
    }
    if (at + 2 + bytes + length > der.length) {
      throw new IllegalArgumentException("truncated DER");
    }
    return new int[] {at + 2 + bytes, length};
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      body.writeBytes(p);
    }
    return element(0x30, body.toByteArray());
  }

  private static byte[] octetString(byte[] contents) {
    return element(0x04, contents);
  }

  private static byte[] element(int tag, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = contents.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(contents);
    return out.toByteArray();
  }

  /** The first complete {@code -----BEGIN <type>-----} ... {@code -----END <type>-----} block of {@code text}, or null. */
  static String block(String text, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = text.indexOf(begin);
    int to = from < 0 ? -1 : text.indexOf(end, from);
    return to < 0 ? null : text.substring(from, to + end.length());
  }

  private static String keyBlock(String text, String type, String source) {
    String block = block(text, type);
    if (block == null) {
      throw new IllegalArgumentException("the client key " + source + " has no complete -----BEGIN " + type
          + "----- block");
    }
    return block;
  }

  private static byte[] der(String block, String source) {
    String base64 = block.substring(block.indexOf("-----", 5) + 5, block.lastIndexOf("-----END"))
        .replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the client key " + source + " is not valid PEM (" + e.getMessage() + ")", e);
    }
  }

  private static String pem(byte[] pkcs8) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
        + "\n-----END PRIVATE KEY-----";
  }
}
