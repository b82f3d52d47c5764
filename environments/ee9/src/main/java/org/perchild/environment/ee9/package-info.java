/**
 * Jakarta EE 9 ({@code jakarta.servlet} 5.0) for the child: Jetty's ee9 {@code WebAppContext},
 * nested in a core context, loaded in {@code lib/ee9/}'s own class loader.
 */
package org.perchild.environment.ee9;
