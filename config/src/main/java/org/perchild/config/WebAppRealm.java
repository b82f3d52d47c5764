package org.perchild.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code WebAppRealm} line of a virtual host: a login realm its web applications may name in
 * the {@code <realm-name>} of their {@code web.xml}'s {@code <login-config>}, checked against a
 * Jetty {@code HashLoginService} properties file ({@code user: password[, role ...]}). The file is
 * the tenant's: the launcher (root) only looks at its attributes for {@code -t}, never opens it;
 * the host's children read it after they have dropped root. {@link VirtualHost#realms()} holds them
 * in the order written; {@code org.perchild.container.security} turns them into login services.
 *
 * @param name the realm name, compared exactly (case-sensitive) with the {@code <realm-name>}
 * @param file the properties file, absolute (written relative to {@code ServerRoot})
 */
public record WebAppRealm(String name, Path file) {

  public WebAppRealm {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
  }
}
