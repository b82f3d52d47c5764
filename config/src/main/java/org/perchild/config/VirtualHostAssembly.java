package org.perchild.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges what each host's section said with the main server's into the {@link VirtualHost}s, as
 * httpd merges server configurations: a virtual host inherits the main server's name, logs,
 * connection settings and locations unless it sets its own, and is served by the children of its
 * {@code AssignUserID} (else {@code User}/{@code Group}'s). Then it checks what only the assembled
 * hosts tell: directories and realm files the children cannot read, addresses no {@code Listen}
 * reaches, names written twice. {@link ConfigBuilder} runs it once the child groups are planned.
 */
final class VirtualHostAssembly {

  private final ServerScope server;
  private final ChildGroupPlan plan;
  private final ConfigProblems problems;
  private final Path configFile;
  private final Path mainErrorLog;
  private VirtualHost mainServer;
  private final List<VirtualHost> hosts = new ArrayList<>();

  VirtualHostAssembly(
      ServerScope server,
      ChildGroupPlan plan,
      DirectiveValues values,
      ConfigProblems problems,
      Path configFile) {
    this.server = server;
    this.plan = plan;
    this.problems = problems;
    this.configFile = configFile;
    HostScope main = server.main;
    this.mainErrorLog =
        main.errorLog != null ? main.errorLog : values.path(DirectiveTable.ERROR_LOG.value());
  }

  /** Builds the main server, then each virtual host in file order, reporting as it goes. */
  void assemble() {
    HostScope main = server.main;
    ChildGroup serverChildren = plan.serverChildren();
    ConnectionSettings mainConnection = main.connection(ConnectionSettings.DEFAULTS);
    String mainLogLevel = main.logLevel != null ? main.logLevel : DirectiveTable.LOG_LEVEL.value();
    String mainName =
        main.serverName != null ? main.serverName : DirectiveTable.SERVER_NAME.value();
    checkDirectories(main);
    checkReadable(main, serverChildren);
    mainServer =
        new VirtualHost(
            mainName,
            List.of(),
            List.of(),
            serverChildren,
            main.appBase,
            main.documentRoot,
            mainErrorLog,
            mainLogLevel,
            customLogs(main, null),
            mainConnection,
            configFile,
            0,
            main.locations,
            List.of(),
            main.tls(null),
            main.protocols != null ? main.protocols : VirtualHost.DEFAULT_PROTOCOLS,
            main.proxyProtocol,
            main.proxyProtocolExceptions != null ? main.proxyProtocolExceptions : List.of());

    // The main server's TLS is a template for the hosts unless a Listen reaches it directly.
    checkTls(
        main,
        null,
        serverChildren,
        server.listeners.stream().anyMatch(l -> !coveredByVirtualHost(l)));
    for (HostScope scope : server.vhosts) {
      ChildGroup served = servedBy(scope, mainName);
      if (served == null) {
        continue; // already reported
      }
      checkDirectories(scope);
      checkReadable(scope, served);
      checkRealms(scope, served);
      checkTls(scope, main, served, true);
      hosts.add(
          new VirtualHost(
              scope.serverName != null ? scope.serverName : mainName,
              scope.aliases,
              scope.addresses,
              served,
              scope.appBase,
              scope.documentRoot,
              scope.errorLog != null ? scope.errorLog : mainErrorLog,
              scope.logLevel != null ? scope.logLevel : mainLogLevel,
              // A tenant writes only its own logs: the main server's are User/Group's files.
              customLogs(scope, served == serverChildren ? mainServer : null),
              scope.connection(mainConnection),
              scope.section.file(),
              scope.section.line(),
              LocationSection.withInherited(scope, main),
              scope.realms(),
              scope.tls(main),
              inherited(scope.protocols, main.protocols, VirtualHost.DEFAULT_PROTOCOLS),
              scope.proxyProtocol != null ? scope.proxyProtocol : main.proxyProtocol,
              inherited(scope.proxyProtocolExceptions, main.proxyProtocolExceptions, List.of())));
    }
    for (Listener listener : server.listeners) {
      if (!coveredByVirtualHost(listener) && plan.left() == 0) {
        problems.error(
            listener.file(),
            listener.line(),
            "Listen "
                + listener.address()
                + " has no <VirtualHost>, so the main server answers it, but no child is left for User/Group");
      }
    }
    warnAboutAddresses();
    warnAboutErrorLogs();
    warnAboutTlsWithoutHttps();
  }

  /**
   * A host reached through an https Listen needs SSLEngine on (else the child that gets its TLS
   * connections can only close them), and SSLEngine on is of use only where an https Listen reaches
   * the host: both are warnings, as the host serves its other addresses.
   */
  private void warnAboutTlsWithoutHttps() {
    for (HostScope scope : server.vhosts) {
      boolean https = false;
      String httpsListen = null;
      for (Listener listener : server.listeners) {
        if (reaches(scope, listener) && listener.protocol().equals("https")) {
          https = true;
          httpsListen = listener.address();
        }
      }
      boolean tls = scope.tls(server.main) != null;
      if (https && !tls) {
        problems.warning(
            scope.section,
            "<VirtualHost> on the https Listen "
                + httpsListen
                + " without SSLEngine on: its TLS connections are closed");
      } else if (tls && !https && !server.listeners.isEmpty()) {
        problems.warning(
            scope.section,
            "SSLEngine on, but no https Listen reaches this <VirtualHost>: TLS is never spoken");
      }
    }
  }

  private static boolean reaches(HostScope scope, Listener listener) {
    for (VirtualHostAddress address : scope.addresses) {
      boolean portMatches = address.port() == 0 || address.port() == listener.port();
      if (portMatches
          && (address.anyHost()
              || listener.host() == null
              || address.host().equalsIgnoreCase(listener.host()))) {
        return true;
      }
    }
    return false;
  }

  /** A host's own setting, else the main server's, else the default. */
  private static <T> T inherited(T own, T main, T dflt) {
    return own != null ? own : main != null ? main : dflt;
  }

  VirtualHost mainServer() {
    return mainServer;
  }

  List<VirtualHost> virtualHosts() {
    return hosts;
  }

  /** The children that serve {@code scope}, or {@code null} when its AssignUserID names none. */
  private ChildGroup servedBy(HostScope scope, String mainName) {
    if (scope.assign != null) {
      if (scope.assignUser == null || scope.assignGroup == null) {
        return null; // already reported
      }
      ChildGroup served = plan.perUser(scope.assignUser, scope.assignGroup);
      if (served == null) {
        problems.error(
            scope.assign,
            "AssignUserID "
                + scope.assign.args().get(0)
                + " "
                + scope.assign.args().get(1)
                + ": no ChildPerUserID for this user and group");
      }
      return served;
    }
    if (plan.left() == 0) {
      problems.error(
          scope.section,
          "virtual host "
              + (scope.serverName != null ? scope.serverName : mainName)
              + " has no AssignUserID, and no child is left for User/Group (ChildPerUserID takes all "
              + plan.numServers()
              + " of NumServers)");
    }
    return plan.serverChildren();
  }

  private void checkDirectories(HostScope scope) {
    checkDirectory("AppBase", scope.appBase, scope.appBaseDirective);
    checkDirectory("DocumentRoot", scope.documentRoot, scope.documentRootDirective);
  }

  private void checkDirectory(String name, Path directory, Directive d) {
    if (directory != null && !Files.isDirectory(directory)) {
      problems.error(d, name + " " + d.args().get(0) + ": no such directory " + directory);
    }
  }

  /**
   * Warns when the children that serve a host will not be able to read its AppBase or DocumentRoot
   * once they have dropped root: only a warning, since the operator may fix the mode before
   * starting, and a child that cannot read a directory serves 404s, it does not fail.
   */
  private void checkReadable(HostScope scope, ChildGroup served) {
    checkReadable("AppBase", scope.appBase, scope.appBaseDirective, served);
    checkReadable("DocumentRoot", scope.documentRoot, scope.documentRootDirective, served);
  }

  private void checkReadable(String name, Path directory, Directive d, ChildGroup served) {
    if (directory == null || d == null || !Files.isDirectory(directory)) {
      return;
    }
    String why =
        DirectoryAccess.whyUnreadable(directory, served.user().uid(), served.group().gid());
    if (why != null) {
      problems.warning(
          d,
          name
              + " "
              + d.args().get(0)
              + ": user "
              + served.user().name()
              + " (uid "
              + served.user().uid()
              + ", gid "
              + served.group().gid()
              + ") cannot read it: "
              + why);
    }
  }

  /**
   * A realm file must exist, and is only looked at (its attributes, never its bytes: it is the
   * tenant's, perhaps mode 0600, and the launcher is root). Warns when the host's children could
   * not read it, and when every user of the machine can: a password file, even of hashes, is the
   * tenant's alone.
   */
  private void checkRealms(HostScope scope, ChildGroup served) {
    for (HostScope.PendingRealm pending : scope.realms.values()) {
      Directive d = pending.directive();
      Path file = pending.realm().file();
      String what = "WebAppRealm \"" + pending.realm().name() + "\" " + d.args().get(1);
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        problems.error(d, what + ": no such file " + file);
        continue;
      } catch (IOException e) {
        problems.warning(d, what + ": cannot look at " + file + ": " + e);
        continue;
      }
      if (!attributes.isRegularFile()) {
        problems.error(d, what + ": " + file + " is not a regular file");
        continue;
      }
      String why =
          DirectoryAccess.whyUnreadableFile(file, served.user().uid(), served.group().gid());
      if (why != null) {
        problems.warning(d, what + ": " + cannotRead(served) + why);
      }
      String open = DirectoryAccess.readableByEveryone(file);
      if (open != null) {
        problems.warning(
            d,
            what
                + ": world-readable password file: "
                + open
                + ", so every user of the machine can read it (chmod o-r)");
      }
    }
  }

  /**
   * A host's TLS: {@code SSLEngine on} needs a certificate; its files must exist and are only
   * looked at ({@code stat}, never opened: the key is the tenant's, perhaps mode 0600, and the
   * launcher is root); a warning when the host's children could not read them, and when the key is
   * readable by anyone but its owner. {@code SSLCipherSuite} is converted as the child will convert
   * it. Files inherited from the main server are checked for each host, whose user may differ.
   */
  private void checkTls(HostScope scope, HostScope main, ChildGroup served, boolean serves) {
    TlsSettings tls = scope.tls(main);
    if (scope.sslCipherSuiteDirective != null) {
      try {
        for (String warning : CipherSuites.parse(scope.sslCipherSuite).warnings()) {
          problems.warning(scope.sslCipherSuiteDirective, "SSLCipherSuite: " + warning);
        }
      } catch (IllegalArgumentException e) {
        problems.error(scope.sslCipherSuiteDirective, "SSLCipherSuite: " + e.getMessage());
      }
    }
    if (tls == null || !serves) {
      return;
    }
    Directive engine = pick(scope.sslEngineDirective, main, m -> m.sslEngineDirective);
    if (tls.certificateFile() == null) {
      problems.error(
          engine,
          "SSLEngine on without SSLCertificateFile: name the host's certificate (PEM, the leaf"
              + " first)");
      return;
    }
    Directive certificate =
        pick(scope.sslCertificateFileDirective, main, m -> m.sslCertificateFileDirective);
    Directive key =
        pick(scope.sslCertificateKeyFileDirective, main, m -> m.sslCertificateKeyFileDirective);
    boolean keyApart = key != null && !tls.keyFile().equals(tls.certificateFile());
    checkTlsFile(certificate, "SSLCertificateFile", tls.certificateFile(), served, !keyApart);
    if (keyApart) {
      checkTlsFile(key, "SSLCertificateKeyFile", tls.keyFile(), served, true);
    }
  }

  private static Directive pick(
      Directive own, HostScope main, java.util.function.Function<HostScope, Directive> inherited) {
    return own != null || main == null ? own : inherited.apply(main);
  }

  private void checkTlsFile(
      Directive d, String directive, Path file, ChildGroup served, boolean holdsTheKey) {
    String what = directive + " " + file;
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      problems.error(d, directive + ": no such file " + file);
      return;
    } catch (IOException e) {
      problems.warning(d, what + ": cannot look at it: " + e);
      return;
    }
    if (!attributes.isRegularFile()) {
      problems.error(d, directive + ": " + file + " is not a regular file");
      return;
    }
    String why = DirectoryAccess.whyUnreadableFile(file, served.user().uid(), served.group().gid());
    if (why != null) {
      problems.warning(d, what + ": " + cannotRead(served) + why);
    }
    if (holdsTheKey) {
      String open = DirectoryAccess.readableByOthersThanOwner(file);
      if (open != null) {
        problems.warning(
            d,
            what
                + ": a private key readable by others than its owner: "
                + open
                + " (chmod 600, owned by the tenant)");
      }
    }
  }

  private static String cannotRead(ChildGroup served) {
    return "user "
        + served.user().name()
        + " (uid "
        + served.user().uid()
        + ", gid "
        + served.group().gid()
        + ") cannot read it: ";
  }

  private List<CustomLog> customLogs(HostScope scope, VirtualHost inheritFrom) {
    if (scope.customLogs.isEmpty() && inheritFrom != null) {
      // httpd: a virtual host without access logs of its own writes to the main server's.
      return inheritFrom.customLogs();
    }
    List<CustomLog> logs = new ArrayList<>();
    for (HostScope.PendingLog pending : scope.customLogs) {
      String format = scope.logFormats.get(pending.formatOrNickname());
      if (format == null) {
        format = server.main.logFormats.get(pending.formatOrNickname());
      }
      if (format == null) {
        if (pending.formatOrNickname().indexOf('%') < 0) {
          problems.error(
              pending.directive(),
              "CustomLog: no LogFormat is named '" + pending.formatOrNickname() + "'");
          continue;
        }
        format = pending.formatOrNickname();
      }
      logs.add(
          new CustomLog(
              pending.path(), format, pending.directive().file(), pending.directive().line()));
    }
    return logs;
  }

  private boolean coveredByVirtualHost(Listener listener) {
    return server.vhosts.stream().anyMatch(scope -> reaches(scope, listener));
  }

  /** The children of one group write one error log: their virtual hosts should agree on it. */
  private void warnAboutErrorLogs() {
    Map<ChildGroup, VirtualHost> first = new LinkedHashMap<>();
    for (VirtualHost vhost : hosts) {
      VirtualHost earlier = first.putIfAbsent(vhost.group(), vhost);
      if (earlier != null && !earlier.errorLog().equals(vhost.errorLog())) {
        problems.warning(
            vhost.file(),
            vhost.line(),
            "ErrorLog "
                + vhost.errorLog()
                + " differs from "
                + earlier.errorLog()
                + " of "
                + earlier.serverName()
                + ", served by the same children ("
                + vhost.group().label()
                + "): they write to the main server's ErrorLog "
                + mainErrorLog);
      }
    }
  }

  private void warnAboutAddresses() {
    List<Listener> listeners = server.listeners;
    Map<String, VirtualHost> seen = new HashMap<>();
    for (VirtualHost vhost : hosts) {
      for (VirtualHostAddress address : vhost.addresses()) {
        boolean listened =
            listeners.stream().anyMatch(l -> address.port() == 0 || l.port() == address.port());
        if (!listened && !listeners.isEmpty()) {
          problems.warning(
              vhost.file(),
              vhost.line(),
              "<VirtualHost "
                  + address
                  + ">: no Listen on port "
                  + address.port()
                  + ", so this virtual host is never reached");
        }
        String key =
            (address.anyHost() ? "*" : address.host())
                + ":"
                + address.port()
                + "/"
                + vhost.serverName();
        VirtualHost first = seen.putIfAbsent(key, vhost);
        if (first != null) {
          problems.warning(
              vhost.file(),
              vhost.line(),
              "ServerName "
                  + vhost.serverName()
                  + " on "
                  + address
                  + " is also the name of the virtual host at "
                  + first.file()
                  + ":"
                  + first.line()
                  + "; requests for it go to the first");
        }
      }
    }
  }
}
