/**
 * Login realms in a child: {@link org.perchild.container.security.HostRealms} gives each web
 * application the Jetty {@code LoginService} its {@code <login-config>} names among its virtual
 * host's {@code WebAppRealm} lines, whatever the servlet environment that deploys it; {@link
 * org.perchild.container.security.RefusingLoginService} stands in when none matches, so that the
 * application still deploys. The realm files are the tenant's, read here after the privilege drop;
 * the launcher only checked that they exist.
 */
package org.perchild.container.security;
