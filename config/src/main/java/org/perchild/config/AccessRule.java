package org.perchild.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * One {@code Require} line of a {@code <Location>}, as mod_authz_core and mod_authz_host read it:
 * {@code Require all granted|denied}, {@code Require local}, {@code Require ip addr|cidr ...}. The
 * acceptor asks {@link StatusLocation#allows} whether a client may read the location.
 */
public sealed interface AccessRule {

  /** Whether this rule lets {@code client} in. */
  boolean allows(InetAddress client);

  /** {@code Require all granted} or {@code Require all denied}. */
  record All(boolean granted) implements AccessRule {
    @Override
    public boolean allows(InetAddress client) {
      return granted;
    }
  }

  /** {@code Require local}: a loopback address (127.0.0.0/8 or ::1). */
  record Local() implements AccessRule {
    @Override
    public boolean allows(InetAddress client) {
      return unmapped(client).isLoopbackAddress();
    }
  }

  /** {@code Require ip ...}: any of these networks. */
  record Ip(List<IpRange> ranges) implements AccessRule {
    public Ip {
      ranges = List.copyOf(ranges);
    }

    @Override
    public boolean allows(InetAddress client) {
      InetAddress address = unmapped(client);
      return ranges.stream().anyMatch(r -> r.contains(address));
    }
  }

  /**
   * A network: an address and how many of its leading bits must match.
   *
   * @param address 4 or 16 bytes
   * @param prefix leading bits that count
   */
  record IpRange(byte[] address, int prefix) {

    /** Whether {@code client} (of the same family) lies in this network. */
    public boolean contains(InetAddress client) {
      byte[] other = client.getAddress();
      if (other.length != address.length) {
        return false;
      }
      int bits = prefix;
      for (int i = 0; i < address.length && bits > 0; i++, bits -= 8) {
        int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
        if ((address[i] & mask) != (other[i] & mask)) {
          return false;
        }
      }
      return true;
    }

    /**
     * Parses what mod_authz_host accepts after {@code Require ip}: a whole address ({@code
     * 192.0.2.7}, {@code 2001:db8::1}), a network in CIDR ({@code 10.0.0.0/8}, {@code
     * 2001:db8::/32}), or the leading bytes of an IPv4 address ({@code 10.1}). Never a host name:
     * the acceptor does no DNS.
     *
     * @throws IllegalArgumentException said why
     */
    public static IpRange parse(String text) {
      String addressPart = text;
      Integer prefix = null;
      int slash = text.indexOf('/');
      if (slash >= 0) {
        addressPart = text.substring(0, slash);
        String bits = text.substring(slash + 1);
        if (!bits.matches("\\d{1,3}")) {
          throw new IllegalArgumentException(
              "'" + text + "': the part after / must be a number of bits");
        }
        prefix = Integer.parseInt(bits);
      }
      byte[] bytes;
      if (addressPart.contains(":")) {
        if (!addressPart.matches("[0-9A-Fa-f:.]+")) {
          throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
        }
        bytes = literal(text, "[" + addressPart + "]");
        if (bytes.length != 16) {
          // an IPv4-mapped literal: the JDK gives it as IPv4, and so do clients
          prefix = prefix == null ? 32 : prefix - 96;
        }
      } else {
        String[] parts = addressPart.split("\\.", -1);
        if (parts.length > 4
            || !addressPart.matches("\\d{1,3}(\\.\\d{1,3}){0,3}")
            || (slash >= 0 && parts.length != 4)) {
          throw new IllegalArgumentException(
              "'" + text + "' is not an IP address or network (host names are not supported)");
        }
        bytes = new byte[4];
        for (int i = 0; i < parts.length; i++) {
          int value = Integer.parseInt(parts[i]);
          if (value > 255) {
            throw new IllegalArgumentException("'" + text + "': " + value + " is above 255");
          }
          bytes[i] = (byte) value;
        }
        if (prefix == null) {
          prefix = parts.length * 8;
        }
      }
      int max = bytes.length * 8;
      if (prefix == null) {
        prefix = max;
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException(
            "'" + text + "': a prefix of " + prefix + " bits does not fit " + max);
      }
      return new IpRange(bytes, prefix);
    }

    private static byte[] literal(String text, String bracketed) {
      try {
        // A bracketed literal is never looked up in DNS.
        return InetAddress.getByName(bracketed).getAddress();
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
      }
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof IpRange r
          && r.prefix == prefix
          && java.util.Arrays.equals(r.address, address);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(address) * 31 + prefix;
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(address).getHostAddress() + "/" + prefix;
      } catch (java.net.UnknownHostException e) {
        return "?/" + prefix;
      }
    }
  }

  /** An IPv4-mapped IPv6 address as the IPv4 address it is (a dual-stack listener's clients). */
  static InetAddress unmapped(InetAddress client) {
    if (client instanceof Inet6Address v6) {
      byte[] b = v6.getAddress();
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
        try {
          return Inet4Address.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16));
        } catch (java.net.UnknownHostException e) {
          return client;
        }
      }
    }
    return client;
  }
}
