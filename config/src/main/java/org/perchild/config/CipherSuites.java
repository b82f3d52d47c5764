package org.perchild.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code SSLCipherSuite} as the JDK names suites. httpd takes an OpenSSL cipher string; perchild
 * takes a list of suites (':'-separated, as OpenSSL's; ',' and spaces too), each named as the JDK
 * and IANA name it ({@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}) or as OpenSSL does for the
 * common suites ({@code ECDHE-RSA-AES128-GCM-SHA256}). OpenSSL's keywords and exclusions ({@code
 * HIGH}, {@code !aNULL}, {@code -MD5}, {@code @STRENGTH}) are not expanded: the JDK enables no weak
 * suite to begin with, so they are set aside with a warning and the modern default is taken in
 * their place. As in httpd, the list governs TLS 1.2: when it names no TLS 1.3 suite, the TLS 1.3
 * ones of the default are kept (httpd's {@code SSLCipherSuite TLSv1.3 …} is accepted, its first
 * word dropped).
 *
 * <p>The launcher checks it ({@code -t}) and the child converts it again when it builds the host's
 * TLS context: both call {@link #parse}.
 */
public final class CipherSuites {

  /** TLS 1.3's suites, which every TLS 1.3 stack has. */
  public static final List<String> TLS13 =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  /**
   * The default when {@code SSLCipherSuite} is absent: TLS 1.3's suites, then forward-secret AEAD
   * suites for TLS 1.2 (Mozilla's "intermediate" list).
   */
  public static final List<String> MODERN;

  static {
    List<String> modern = new ArrayList<>(TLS13);
    modern.addAll(
        List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"));
    MODERN = List.copyOf(modern);
  }

  /** OpenSSL's names of the suites that are still in use, and the IANA name of each. */
  private static final Map<String, String> OPENSSL =
      Map.ofEntries(
          Map.entry("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
          Map.entry("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry(
              "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry("DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry("DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry("ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
          Map.entry("ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
          Map.entry("ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
          Map.entry("ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
          Map.entry("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
          Map.entry("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
          Map.entry("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
          Map.entry("DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
          Map.entry("DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
          Map.entry("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry("AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256"),
          Map.entry("AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256"),
          Map.entry("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"));

  private CipherSuites() {}

  /**
   * The suites, JDK names, in the order given.
   *
   * @param suites the JDK names; TLS 1.3's are among them whether listed or not
   * @param warnings what was set aside (keywords, exclusions), for {@code -t}
   */
  public record Selection(List<String> suites, List<String> warnings) {
    public Selection {
      suites = List.copyOf(suites);
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * Converts {@code SSLCipherSuite} as written; null (absent) is {@link #MODERN}.
   *
   * @throws IllegalArgumentException naming a suite that is neither a JDK nor a known OpenSSL name
   */
  public static Selection parse(String cipherSuite) {
    if (cipherSuite == null || cipherSuite.isBlank()) {
      return new Selection(MODERN, List.of());
    }
    String text = cipherSuite.strip();
    // httpd 2.4: "SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384" sets the TLS 1.3 suites.
    if (text.regionMatches(true, 0, "TLSv1.3 ", 0, 8)
        || text.regionMatches(true, 0, "SSL ", 0, 4)) {
      text = text.substring(text.indexOf(' ') + 1);
    }
    Set<String> chosen = new LinkedHashSet<>();
    List<String> setAside = new ArrayList<>();
    for (String item : text.split("[:, ]+")) {
      if (item.isEmpty()) {
        continue;
      }
      String name = jdkName(item);
      if (name != null) {
        chosen.add(name);
      } else if (isOpensslExpression(item)) {
        setAside.add(item);
      } else {
        throw new IllegalArgumentException(
            "unknown cipher suite "
                + item
                + " (name suites as the JDK does, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or as"
                + " OpenSSL does, ECDHE-RSA-AES128-GCM-SHA256)");
      }
    }
    List<String> warnings = new ArrayList<>();
    if (!setAside.isEmpty()) {
      warnings.add(
          "OpenSSL cipher-string keywords and exclusions are not expanded: "
              + String.join(":", setAside)
              + (chosen.isEmpty()
                  ? "; the modern default is used"
                  : "; only the suites named are used"));
    }
    if (chosen.isEmpty()) {
      return new Selection(MODERN, warnings);
    }
    List<String> suites = new ArrayList<>(chosen);
    if (suites.stream().noneMatch(TLS13::contains)) {
      suites.addAll(0, TLS13);
    }
    return new Selection(suites, warnings);
  }

  private static String jdkName(String item) {
    String upper = item.toUpperCase(Locale.ROOT);
    if (upper.startsWith("TLS_") && upper.length() > 8) {
      return upper;
    }
    return OPENSSL.get(upper);
  }

  private static boolean isOpensslExpression(String item) {
    char first = item.charAt(0);
    if (first == '!' || first == '-' || first == '+' || first == '@') {
      return true;
    }
    // Keywords: HIGH, MEDIUM, DEFAULT, ALL, aNULL, eNULL, kRSA, ECDHE, AESGCM, SHA256, …; also the
    // combinations with '+' (ECDHE+AESGCM).
    return item.matches("[A-Za-z0-9+]+") && !item.contains("-");
  }
}
