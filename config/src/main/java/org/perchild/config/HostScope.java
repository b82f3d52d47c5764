package org.perchild.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * What the directives of one host (the main server or one {@code <VirtualHost>}) said, while the
 * tree is walked; {@link VirtualHostAssembly} merges it with the main server's into a {@link
 * VirtualHost}. A field left {@code null} was not set here. The methods below are the applications
 * of the {@link DirectiveTable}'s per-host directives that take more than one assignment.
 */
final class HostScope {

  /** A {@code CustomLog} whose format may name a nickname defined later in the file. */
  record PendingLog(Directive directive, Path path, String formatOrNickname) {}

  /** A {@code WebAppRealm} with the line it was written on, for the checks of the assembly. */
  record PendingRealm(Directive directive, WebAppRealm realm) {}

  final Directive section;
  final List<VirtualHostAddress> addresses = new ArrayList<>();
  String serverName;
  Directive serverNameDirective;
  final List<String> aliases = new ArrayList<>();
  Directive assign;
  Account assignUser;
  GroupAccount assignGroup;
  Path appBase;
  Directive appBaseDirective;
  Path documentRoot;
  Directive documentRootDirective;
  Path errorLog;
  String logLevel;
  final Map<String, String> logFormats = new LinkedHashMap<>();
  final List<PendingLog> customLogs = new ArrayList<>();
  Duration timeout;
  Boolean keepAlive;
  Duration keepAliveTimeout;
  Integer maxKeepAliveRequests;
  Integer limitRequestLine;
  Integer limitRequestFieldSize;
  Integer limitRequestFields;
  Long limitRequestBody;
  final List<StatusLocation> locations = new ArrayList<>();

  /** The {@code WebAppRealm}s by name, in the order written. */
  final Map<String, PendingRealm> realms = new LinkedHashMap<>();

  // mod_ssl's, mod_http2's and mod_remoteip's; each directive kept for the checks that name it.
  Boolean sslEngine;
  Directive sslEngineDirective;
  Path sslCertificateFile;
  Directive sslCertificateFileDirective;
  Path sslCertificateKeyFile;
  Directive sslCertificateKeyFileDirective;
  List<String> sslProtocol;
  String sslCipherSuite;
  Directive sslCipherSuiteDirective;
  SslProvider sslProvider;
  List<String> protocols;
  Boolean proxyProtocol;
  List<String> proxyProtocolExceptions;

  HostScope(Directive section) {
    this.section = section;
  }

  void assignUserId(Directive d, DirectiveValues values) {
    assign = d;
    assignUser = values.user(d, d.args().get(0));
    assignGroup = values.group(d, d.args().get(1));
  }

  void serverName(Directive d, DirectiveValues values) {
    String name = values.serverName(d);
    if (name != null) {
      serverName = name;
      serverNameDirective = d;
    }
  }

  void appBase(Directive d, DirectiveValues values) {
    appBase = values.path(d.args().get(0));
    appBaseDirective = d;
  }

  void documentRoot(Directive d, DirectiveValues values) {
    documentRoot = values.path(d.args().get(0));
    documentRootDirective = d;
  }

  void webAppRealm(Directive d, DirectiveValues values, ConfigProblems problems) {
    String name = d.args().get(0);
    if (name.isBlank()) {
      problems.error(d, "WebAppRealm: the realm name is empty");
      return;
    }
    PendingRealm first = realms.get(name);
    if (first != null) {
      problems.error(
          d,
          "WebAppRealm \""
              + name
              + "\": this virtual host already has a realm of that name, at "
              + first.directive().where());
      return;
    }
    realms.put(name, new PendingRealm(d, new WebAppRealm(name, values.path(d.args().get(1)))));
  }

  void sslEngine(Directive d, DirectiveValues values) {
    Boolean on = values.onOff(d);
    if (on != null) {
      sslEngine = on;
      sslEngineDirective = d;
    }
  }

  void sslCertificateFile(Directive d, DirectiveValues values) {
    sslCertificateFile = values.path(d.args().get(0));
    sslCertificateFileDirective = d;
  }

  void sslCertificateKeyFile(Directive d, DirectiveValues values) {
    sslCertificateKeyFile = values.path(d.args().get(0));
    sslCertificateKeyFileDirective = d;
  }

  /**
   * {@code SSLProtocol [+|-]protocol ...} as mod_ssl reads it: {@code all} is TLSv1 to TLSv1.3, a
   * word with {@code +} adds, with {@code -} removes, without either sets (and says so when it
   * overrides what came before it on the line). SSLv3 is refused; TLSv1 and TLSv1.1 are kept with a
   * warning (the JDK disables them unless {@code java.security} says otherwise).
   */
  void sslProtocol(Directive d, ConfigProblems problems) {
    java.util.Set<String> chosen = new java.util.LinkedHashSet<>();
    for (String word : d.args()) {
      char action = word.charAt(0) == '+' || word.charAt(0) == '-' ? word.charAt(0) : 0;
      String name = action == 0 ? word : word.substring(1);
      List<String> named;
      if (name.equalsIgnoreCase("all")) {
        named = TlsSettings.KNOWN_PROTOCOLS.subList(1, TlsSettings.KNOWN_PROTOCOLS.size());
      } else {
        String known =
            TlsSettings.KNOWN_PROTOCOLS.stream()
                .filter(p -> p.equalsIgnoreCase(name))
                .findFirst()
                .orElse(null);
        if (known == null) {
          problems.error(
              d,
              "SSLProtocol: unknown protocol '"
                  + name
                  + "' (all, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, each with + or -)");
          return;
        }
        named = List.of(known);
      }
      if (action == '-') {
        chosen.removeAll(named);
      } else {
        if (action == 0 && !chosen.isEmpty()) {
          problems.warning(
              d,
              "SSLProtocol: '"
                  + word
                  + "' overrides what comes before it; check whether a + or - is missing");
          chosen.clear();
        }
        chosen.addAll(named);
      }
    }
    if (chosen.remove("SSLv3")) {
      problems.error(d, "SSLProtocol: SSLv3 is not supported");
      return;
    }
    if (chosen.isEmpty()) {
      problems.error(d, "SSLProtocol leaves no protocol enabled");
      return;
    }
    if (chosen.contains("TLSv1") || chosen.contains("TLSv1.1")) {
      problems.warning(
          d,
          "SSLProtocol: TLSv1 and TLSv1.1 are disabled by the JDK's java.security"
              + " (jdk.tls.disabledAlgorithms); clients that offer only them fail to connect");
    }
    sslProtocol = TlsSettings.KNOWN_PROTOCOLS.stream().filter(chosen::contains).toList();
  }

  void sslProvider(Directive d, ConfigProblems problems) {
    SslProvider provider = SslProvider.of(d.args().get(0));
    if (provider == null) {
      problems.error(d, "SSLProvider: '" + d.args().get(0) + "' is neither Conscrypt nor JDK");
      return;
    }
    sslProvider = provider;
  }

  void sslCipherSuite(Directive d) {
    // TLSv1.3's suites are named with the protocol first (SSLCipherSuite TLSv1.3 ...), as mod_ssl.
    sslCipherSuite = String.join(" ", d.args());
    sslCipherSuiteDirective = d;
  }

  /** {@code Protocols protocol ...}: mod_http2's names; an unknown one is warned about and left. */
  void protocols(Directive d, ConfigProblems problems) {
    List<String> known = new ArrayList<>();
    for (String word : d.args()) {
      String name = word.toLowerCase(java.util.Locale.ROOT);
      if (VirtualHost.KNOWN_PROTOCOLS.contains(name)) {
        if (!known.contains(name)) {
          known.add(name);
        }
      } else {
        problems.warning(
            d, "Protocols: '" + word + "' is not served here (h2, h2c and http/1.1 are); ignored");
      }
    }
    if (known.isEmpty()) {
      problems.error(d, "Protocols names no protocol this server speaks (h2, h2c, http/1.1)");
      return;
    }
    protocols = known;
  }

  /** Addresses and CIDR ranges, as {@code Require ip} takes them (never host names: no DNS). */
  void proxyProtocolExceptions(Directive d, ConfigProblems problems) {
    for (String word : d.args()) {
      try {
        AccessRule.IpRange.parse(word);
      } catch (IllegalArgumentException e) {
        problems.error(d, "RemoteIPProxyProtocolExceptions: " + e.getMessage());
        return;
      }
    }
    List<String> all =
        new ArrayList<>(proxyProtocolExceptions == null ? List.of() : proxyProtocolExceptions);
    all.addAll(d.args());
    proxyProtocolExceptions = all;
  }

  /**
   * This host's TLS merged over {@code main}'s (each directive the host does not write comes from
   * the main server's, as httpd merges mod_ssl's server configurations), or null without {@code
   * SSLEngine on}; the key file is the certificate file when neither writes one.
   */
  TlsSettings tls(HostScope main) {
    Boolean engine = pick(sslEngine, main == null ? null : main.sslEngine);
    if (engine == null || !engine) {
      return null;
    }
    Path certificate = pick(sslCertificateFile, main == null ? null : main.sslCertificateFile);
    Path key = pick(sslCertificateKeyFile, main == null ? null : main.sslCertificateKeyFile);
    List<String> enabled = pick(sslProtocol, main == null ? null : main.sslProtocol);
    String ciphers = pick(sslCipherSuite, main == null ? null : main.sslCipherSuite);
    SslProvider provider = pick(sslProvider, main == null ? null : main.sslProvider);
    return new TlsSettings(
        certificate,
        key != null ? key : certificate,
        enabled != null ? enabled : TlsSettings.DEFAULT_PROTOCOLS,
        ciphers,
        TlsSettings.providerFor(provider, ciphers));
  }

  private static <T> T pick(T own, T inherited) {
    return own != null ? own : inherited;
  }

  /** The realms in the order written. */
  List<WebAppRealm> realms() {
    return realms.values().stream().map(PendingRealm::realm).toList();
  }

  void errorLog(Directive d, DirectiveValues values, ConfigProblems problems) {
    String file = d.args().get(0);
    if (file.startsWith("|") || file.startsWith("syslog")) {
      problems.error(d, "ErrorLog " + file + ": only a file is supported");
    } else {
      errorLog = values.path(file);
    }
  }

  void logLevel(Directive d, DirectiveValues values) {
    String level = values.logLevel(d);
    if (level != null) {
      logLevel = level;
    }
  }

  void logFormat(Directive d, DirectiveValues values, ConfigProblems problems) {
    List<String> a = d.args();
    if (a.size() == 1) {
      problems.warning(
          d, "LogFormat without a nickname has no effect: name it and use it in CustomLog");
    } else if (values.logFormat(d, "LogFormat", a.get(0))) {
      logFormats.put(a.get(1), a.get(0));
    }
  }

  void customLog(Directive d, DirectiveValues values, ConfigProblems problems) {
    List<String> a = d.args();
    if (a.get(0).startsWith("|")) {
      problems.error(
          d, "CustomLog " + a.get(0) + ": piped logs are not supported; write to a file");
      return;
    }
    if (a.size() == 3) {
      problems.warning(
          d, "CustomLog condition '" + a.get(2) + "' is not supported: every request is logged");
    }
    if (a.get(1).indexOf('%') < 0 || values.logFormat(d, "CustomLog", a.get(1))) {
      customLogs.add(new PendingLog(d, values.path(a.get(0)), a.get(1)));
    }
  }

  /** This scope's settings over {@code base}'s: httpd's merge of a virtual host's config. */
  ConnectionSettings connection(ConnectionSettings base) {
    return new ConnectionSettings(
        timeout != null ? timeout : base.timeout(),
        keepAlive != null ? keepAlive : base.keepAlive(),
        keepAliveTimeout != null ? keepAliveTimeout : base.keepAliveTimeout(),
        maxKeepAliveRequests != null ? maxKeepAliveRequests : base.maxKeepAliveRequests(),
        limitRequestLine != null ? limitRequestLine : base.limitRequestLine(),
        limitRequestFieldSize != null ? limitRequestFieldSize : base.limitRequestFieldSize(),
        limitRequestFields != null ? limitRequestFields : base.limitRequestFields(),
        limitRequestBody != null ? limitRequestBody : base.limitRequestBody());
  }
}
