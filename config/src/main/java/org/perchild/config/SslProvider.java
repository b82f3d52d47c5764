package org.perchild.config;

/**
 * {@code SSLProvider}: which implementation of TLS serves a host. {@link #CONSCRYPT} is BoringSSL,
 * through Conscrypt, in the child's JVM (the default, where its native library loads: the child
 * falls back to the JDK's and says so in the error log); {@link #JDK} is the JDK's own JSSE.
 */
public enum SslProvider {
  CONSCRYPT("Conscrypt"),
  JDK("JDK");

  /** The default: BoringSSL's handshakes cost a fraction of JSSE's CPU (README, "HTTPS"). */
  public static final SslProvider DEFAULT = CONSCRYPT;

  private final String word;

  SslProvider(String word) {
    this.word = word;
  }

  /** The directive's word for it. */
  public String word() {
    return word;
  }

  /** The provider a word names (either case), or null. */
  public static SslProvider of(String word) {
    for (SslProvider each : values()) {
      if (each.word.equalsIgnoreCase(word)) {
        return each;
      }
    }
    return null;
  }
}
