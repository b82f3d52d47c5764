/**
 * Jakarta EE 10 for the child: Jetty's ee10 {@code WebAppContext} with every configuration its
 * environment has (annotations and initializers, web fragments, {@code plus} env entries, JSP and
 * JSTL, both WebSocket APIs), loaded in {@code lib/ee10/}'s own class loader.
 */
package org.perchild.environment.ee10;
