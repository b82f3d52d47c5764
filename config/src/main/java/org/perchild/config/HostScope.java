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
 * tree is walked; {@link ConfigBuilder} merges it with the main server's into a {@link
 * VirtualHost}. A field left {@code null} was not set here.
 */
final class HostScope {

  /** A {@code CustomLog} whose format may name a nickname defined later in the file. */
  record PendingLog(Directive directive, Path path, String formatOrNickname) {}

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

  HostScope(Directive section) {
    this.section = section;
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
