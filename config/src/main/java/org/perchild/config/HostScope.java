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
