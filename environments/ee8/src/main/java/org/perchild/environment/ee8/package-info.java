/**
 * Java EE 8 ({@code javax.servlet} 4.0) for the child: Jetty's ee8 {@code WebAppContext}, nested in
 * a core context, with {@code plus} env entries and Apache Jasper JSP with JSTL, loaded in {@code
 * lib/ee8/}'s own class loader.
 */
package org.perchild.environment.ee8;
