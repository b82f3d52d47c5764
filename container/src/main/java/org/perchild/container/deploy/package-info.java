/**
 * Hot deployment of each virtual host's web applications: {@link
 * org.perchild.container.deploy.AppBaseScanner} decides, from what an {@code AppBase} held at two
 * successive polls, which applications to deploy, redeploy or undeploy; {@link
 * org.perchild.container.deploy.AppBaseDeployer} does it in the running child, in that host's
 * context collection, and serves the host's {@code DocumentRoot} behind its web applications.
 */
package org.perchild.container.deploy;
