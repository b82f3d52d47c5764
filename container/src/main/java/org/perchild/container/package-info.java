/**
 * The child process: it drops privileges first, then runs embedded Jetty with the web applications
 * of its own virtual hosts only, serving the connections the acceptor hands it.
 */
package org.perchild.container;
