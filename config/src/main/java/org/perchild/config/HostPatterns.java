package org.perchild.config;

import java.util.Locale;

/**
 * Host-name patterns as {@code ServerAlias} writes them: {@code *} matches any run of characters
 * (dots included), {@code ?} exactly one, case-insensitive, as httpd's {@code ap_strcasecmp_match}.
 */
public final class HostPatterns {

  private HostPatterns() {}

  /** Whether {@code host} matches {@code pattern}. */
  public static boolean matches(String pattern, String host) {
    return match(pattern.toLowerCase(Locale.ROOT), 0, host.toLowerCase(Locale.ROOT), 0);
  }

  /** Whether a pattern has wildcards, and so names more than one host. */
  public static boolean isPattern(String pattern) {
    return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0;
  }

  private static boolean match(String p, int pi, String s, int si) {
    // Iterative glob matching with a single backtrack point: linear for the patterns written.
    int star = -1;
    int mark = 0;
    while (si < s.length()) {
      if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == s.charAt(si))) {
        pi++;
        si++;
      } else if (pi < p.length() && p.charAt(pi) == '*') {
        star = pi++;
        mark = si;
      } else if (star >= 0) {
        pi = star + 1;
        si = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p.length() && p.charAt(pi) == '*') {
      pi++;
    }
    return pi == p.length();
  }
}
