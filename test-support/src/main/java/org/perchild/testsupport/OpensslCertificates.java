package org.perchild.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates and keys made by the real {@code openssl}, as an operator makes them: a key ({@code
 * openssl genpkey}), a self-signed certificate for a host name ({@code openssl req -x509}), and the
 * other encodings of the same key ({@code openssl rsa -traditional}, {@code openssl ec},
 * encrypted).
 */
public final class OpensslCertificates {

  private final Path directory;

  /** Files are made in {@code directory}, which must exist. */
  public OpensslCertificates(Path directory) {
    this.directory = directory;
  }

  /** A key and certificate pair. */
  public record Pair(Path certificate, Path key) {}

  /** An RSA 2048 key (PKCS#8) and a self-signed certificate for {@code host}. */
  public Pair rsa(String host) throws IOException, InterruptedException {
    Path key = file(host + "-rsa.key");
    Commands.run(
        "openssl",
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        key.toString());
    return new Pair(selfSigned(key, host, host + "-rsa.crt"), key);
  }

  /** A P-256 key (PKCS#8) and a self-signed certificate for {@code host}. */
  public Pair ec(String host) throws IOException, InterruptedException {
    Path key = file(host + "-ec.key");
    Commands.run(
        "openssl",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.toString());
    return new Pair(selfSigned(key, host, host + "-ec.crt"), key);
  }

  /** A certificate for {@code host} signed by key {@code key}, self-signed. */
  public Path selfSigned(Path key, String host, String name)
      throws IOException, InterruptedException {
    Path certificate = file(name);
    Commands.run(
        "openssl",
        "req",
        "-x509",
        "-key",
        key.toString(),
        "-subj",
        "/CN=" + host,
        "-addext",
        "subjectAltName=DNS:" + host,
        "-days",
        "2",
        "-out",
        certificate.toString());
    return certificate;
  }

  /** {@code openssl <command> -in key <options> -out <name>}: the same key in another encoding. */
  public Path convert(Path key, String name, String command, String... options)
      throws IOException, InterruptedException {
    Path out = file(name);
    List<String> argv = new ArrayList<>(List.of("openssl", command, "-in", key.toString()));
    argv.addAll(List.of(options));
    argv.addAll(List.of("-out", out.toString()));
    Commands.run(argv.toArray(new String[0]));
    return out;
  }

  private Path file(String name) throws IOException {
    Files.createDirectories(directory);
    return directory.resolve(name);
  }
}
