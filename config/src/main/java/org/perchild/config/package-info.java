/**
 * The configuration language, Apache httpd's syntax, parsed in two steps as httpd does: {@link
 * org.perchild.config.DirectiveReader} builds a tree of directives that keeps file and line, then
 * {@link org.perchild.config.ConfigBuilder} checks each against its row of the {@link
 * org.perchild.config.DirectiveTable}, which gives it meaning and holds its default, and builds the
 * immutable {@link org.perchild.config.ServerConfig}: values are read by {@link
 * org.perchild.config.DirectiveValues}, {@code <Location>} by {@link
 * org.perchild.config.LocationSection}, the children are shared out by {@link
 * org.perchild.config.ChildGroupPlan} and the hosts merged by {@link
 * org.perchild.config.VirtualHostAssembly}. Shared by the launcher, which reads the files, and the
 * children, which are given their part.
 */
package org.perchild.config;
