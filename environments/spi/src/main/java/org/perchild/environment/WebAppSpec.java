package org.perchild.environment;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.server.Server;

/**
 * Everything a {@link ServletEnvironment} needs to build one web application.
 *
 * @param server the child's Jetty server
 * @param contextPath {@code /} or {@code /name}
 * @param source the {@code .war} file or exploded directory
 * @param tempDirectory a directory only this child can write, for the unpacked WAR and compiled
 *     JSPs; it is deleted when the application is undeployed
 * @param displayName e.g. {@code alice.example/shop}
 * @param realms the login service for the realm a {@code <login-config>} names (null when it names
 *     none), a new one for each call; the environment starts it with the application's security and
 *     stops it with it. Called only for an application that has a {@code <login-config>}.
 */
public record WebAppSpec(
    Server server,
    String contextPath,
    Path source,
    Path tempDirectory,
    String displayName,
    Function<String, LoginService> realms) {

  /** The context init parameter that turns the default servlet's directory listings off. */
  public static final String DIR_ALLOWED = "org.eclipse.jetty.servlet.Default.dirAllowed";

  public WebAppSpec {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(contextPath, "contextPath");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(tempDirectory, "tempDirectory");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(realms, "realms");
  }
}
