/** The configuration. */
package org.perchild.config;
