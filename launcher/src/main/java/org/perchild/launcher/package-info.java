/**
 * The launcher: {@code bin/perchild}'s command line and, as the process model grows, the root
 * supervisor that binds the sockets, spawns the acceptor and the children, and reaps them. It never
 * reads a byte from the network and holds no Jetty server.
 */
package org.perchild.launcher;
