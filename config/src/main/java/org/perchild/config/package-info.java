/**
 * The configuration language, Apache httpd's syntax, parsed in two steps as httpd does: {@link
 * org.perchild.config.DirectiveReader} builds a tree of directives that keeps file and line, then
 * the {@link org.perchild.config.DirectiveTable} and {@link org.perchild.config.ConfigBuilder} give
 * it meaning and build the immutable {@link org.perchild.config.ServerConfig}. Shared by the
 * launcher, which reads the files, and the children, which are given their part.
 */
package org.perchild.config;
