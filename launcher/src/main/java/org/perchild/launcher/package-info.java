/**
 * {@code bin/perchild}'s command line ({@link org.perchild.launcher.Perchild}): httpd's flags
 * ({@code -t}, {@code -S}, {@code -L}, {@code -X}, {@code -D}, {@code -k}), {@code status}, the
 * background start; it loads and checks the configuration, then runs the root supervisor ({@code
 * org.perchild.supervisor}) or talks to a running one over the operator's socket ({@code
 * org.perchild.operator}). Root code only: it never reads a byte from the network and its class
 * path holds no Jetty and no HTTP parser.
 */
package org.perchild.launcher;
