/**
 * What a child asks of a servlet environment — Jetty's ee8, ee9 or ee10 — and how it finds one:
 * each environment lives in {@code lib/<name>/} with a class loader of its own (its servlet API,
 * Jasper and WebSocket must not share one flat class path with another's), is loaded only by a
 * child that has a WAR for it, and turns a WAR into a core Jetty handler that the child's per-host
 * handler tree holds. {@link org.perchild.environment.EnvironmentChoice} says which environment a
 * WAR needs.
 */
package org.perchild.environment;
