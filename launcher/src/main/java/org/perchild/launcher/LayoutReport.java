package org.perchild.launcher;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.perchild.config.ChildGroup;
import org.perchild.config.CipherSuites;
import org.perchild.config.Listener;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.config.SslProvider;
import org.perchild.config.ThreadSettings;
import org.perchild.config.TlsSettings;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostAddress;

/**
 * What {@code perchild -S} prints: the virtual hosts by address in httpd's own layout (so that an
 * operator who knows {@code httpd -S} reads it at once), then what perchild adds: who serves each
 * host and from where, the listeners, and the child processes of each user. {@code bin/start.sh}
 * reads its host, port, {@code user ... group ...}, {@code Listeners} and {@code PidFile} lines to
 * print the URLs it serves (DemoIT checks them): keep their shape.
 */
final class LayoutReport {

  private LayoutReport() {}

  static void print(LoadedConfiguration loaded, PrintStream out) {
    ServerConfig config = loaded.config();
    // What was validated, as perchild status names what each group runs: compare the two.
    out.printf(
        "Configuration: \"%s\" read %s, sha256 %s, %d file(s)%n",
        config.configFile(), loaded.readAt(), loaded.sha256(), loaded.files().size());
    for (java.nio.file.Path file : loaded.files()) {
      out.printf("         %s%n", file);
    }
    out.println("VirtualHost configuration:");
    Map<VirtualHostAddress, List<VirtualHost>> byAddress = config.virtualHostTable().byAddress();
    for (Map.Entry<VirtualHostAddress, List<VirtualHost>> entry : byAddress.entrySet()) {
      VirtualHostAddress address = entry.getKey();
      List<VirtualHost> hosts = entry.getValue();
      if (hosts.size() == 1) {
        VirtualHost only = hosts.get(0);
        out.printf("%-22s %s (%s:%d)%n", address, only.serverName(), only.file(), only.line());
        details(only, out);
        continue;
      }
      out.printf("%-22s is a NameVirtualHost%n", address);
      VirtualHost first = hosts.get(0);
      out.printf(
          "         default server %s (%s:%d)%n", first.serverName(), first.file(), first.line());
      String port = address.port() == 0 ? "*" : Integer.toString(address.port());
      for (VirtualHost vhost : hosts) {
        out.printf(
            "         port %s namevhost %s (%s:%d)%n",
            port, vhost.serverName(), vhost.file(), vhost.line());
        details(vhost, out);
      }
    }
    VirtualHost main = config.mainServer();
    out.printf("ServerRoot: \"%s\"%n", config.serverRoot());
    out.printf("Main server: %s%n", main.serverName());
    details(main, out);
    out.printf("Main ErrorLog: \"%s\"%n", main.errorLog());
    out.printf("PidFile: \"%s\"%n", config.pidFile());
    out.printf("SessionDirectory: \"%s\"%n", config.sessionDirectory());
    out.printf("User: name=\"%s\" id=%d%n", config.user().name(), config.user().uid());
    out.printf("Group: name=\"%s\" id=%d%n", config.group().name(), config.group().gid());
    out.println("Listeners:");
    for (Listener listener : config.listeners()) {
      out.printf(
          "         %s %s (%s:%d)%n",
          listener.address(), listener.protocol(), listener.file(), listener.line());
    }
    ThreadSettings threads = config.threads();
    out.printf(
        "Child processes: NumServers %d (ServerLimit %d), MaxRequestsPerChild %d,"
            + " ChildIdleTimeout %d, ChildWaitTimeout %d, ChildSpares %d%n",
        config.numServers(),
        config.serverLimit(),
        config.maxRequestsPerChild(),
        config.childIdleTimeout().toSeconds(),
        config.childWaitTimeout().toSeconds(),
        config.childSpares());
    out.printf(
        "         threads per child: StartThreads %d, MinSpareThreads %d, MaxSpareThreads %d,"
            + " MaxThreadsPerChild %d (ThreadLimit %d)%n",
        threads.startThreads(),
        threads.minSpareThreads(),
        threads.maxSpareThreads(),
        threads.maxThreadsPerChild(),
        threads.threadLimit());
    for (ChildGroup group : config.childGroups()) {
      out.printf(
          "         %s x user %s group %s (uid %d, gid %d)%s%n",
          group.onDemand() ? group.range() + " on demand" : group.range(),
          group.user().name(),
          group.group().name(),
          group.user().uid(),
          group.group().gid(),
          group.serverDefault() ? " [User/Group]" : " (" + group.file() + ":" + group.line() + ")");
      out.printf("                 java options: %s%n", String.join(" ", group.javaOptions()));
    }
  }

  private static void details(VirtualHost vhost, PrintStream out) {
    if (!vhost.aliases().isEmpty()) {
      out.printf("                 alias %s%n", String.join(" ", vhost.aliases()));
    }
    ChildGroup group = vhost.group();
    out.printf(
        "                 user %s group %s, AppBase %s%n",
        group.user().name(),
        group.group().name(),
        vhost.appBase() == null ? "(none)" : vhost.appBase());
    if (vhost.documentRoot() != null) {
      out.printf("                 DocumentRoot %s%n", vhost.documentRoot());
    }
    out.printf("                 protocols %s%n", String.join(" ", vhost.protocols()));
    TlsSettings tls = vhost.tls();
    if (tls != null) {
      out.printf(
          "                 TLS %s, certificate %s, key %s%n",
          String.join(" ", tls.protocols()), tls.certificateFile(), tls.keyFile());
      out.printf(
          "                 cipher suites %s%n",
          tls.cipherSuite() == null
              ? "(modern default)"
              : tls.cipherSuite() + " (" + cipherSuites(tls.cipherSuite()) + ")");
      out.printf("                 SSLProvider %s%n", provider(tls));
    }
  }

  /** The implementation that serves the host, and why it is the JDK's when Conscrypt was asked. */
  private static String provider(TlsSettings tls) {
    if (tls.provider() == SslProvider.JDK && TlsSettings.choosesTls13Suites(tls.cipherSuite())) {
      return "JDK (SSLCipherSuite chooses among TLS 1.3's suites, which BoringSSL cannot)";
    }
    return tls.provider() == SslProvider.CONSCRYPT
        ? "Conscrypt (BoringSSL; the JDK's where it does not load)"
        : "JDK";
  }

  /** What the child will offer for {@code SSLCipherSuite}, as -t has already accepted it. */
  private static String cipherSuites(String written) {
    try {
      return String.join(":", CipherSuites.parse(written).suites());
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
