package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassArchiveKeyTest {

  private static final String JVM = "Eclipse Adoptium 25.0.3+9-LTS amd64 /usr/lib/jvm/x";

  @TempDir Path lib;

  @Test
  void keepsTheOptionsThatChangeTheArchiveInTheirOrder() {
    assertEquals(
        Optional.of(
            List.of(
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:-UseCompressedOops",
                "-XX:ObjectAlignmentInBytes=16")),
        ClassArchiveKey.archiveOptions(
            List.of(
                "-Xms8m",
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-Dfoo=bar",
                "-XX:-UseCompressedOops",
                "-XX:+UseStringDeduplication",
                "-XX:ObjectAlignmentInBytes=16")));
  }

  @Test
  void agentsModulesAndOwnSharingRuleTheArchiveOut() {
    for (String option :
        List.of(
            "-javaagent:/home/t/agent.jar",
            "-agentlib:jdwp=transport=dt_socket",
            "-Xshare:off",
            "-XX:SharedArchiveFile=/home/t/own.jsa",
            "-XX:AOTCache=/home/t/own.aot",
            "-Xbootclasspath/a:/home/t/x.jar",
            "--patch-module",
            "-Djava.system.class.loader=t.Loader")) {
      assertEquals(
          Optional.empty(), ClassArchiveKey.archiveOptions(List.of("-Xmx256m", option)), option);
    }
  }

  @Test
  void theCollectorTheHeapTheJvmAndTheModeEachChangeTheKey() {
    String jars = "abc";
    String base = ClassArchiveKey.of("CDS", JVM, jars, List.of("-Xmx256m", "-XX:+UseSerialGC"));
    assertTrue(base.matches("[0-9a-f]{32}"), base);
    assertEquals(
        base, ClassArchiveKey.of("CDS", JVM, jars, List.of("-Xmx256m", "-XX:+UseSerialGC")));
    assertNotEquals(
        base, ClassArchiveKey.of("CDS", JVM, jars, List.of("-Xmx256m", "-XX:+UseG1GC")));
    assertNotEquals(
        base, ClassArchiveKey.of("CDS", JVM, jars, List.of("-Xmx512m", "-XX:+UseSerialGC")));
    assertNotEquals(
        base, ClassArchiveKey.of("AOT", JVM, jars, List.of("-Xmx256m", "-XX:+UseSerialGC")));
    assertNotEquals(
        base,
        ClassArchiveKey.of(
            "CDS", JVM.replace("25.0.3", "25.0.4"), jars, List.of("-Xmx256m", "-XX:+UseSerialGC")));
  }

  @Test
  void aChangedJarChangesTheDigestEvenWithTheSameSizeAndTime() throws IOException {
    Path jar = lib.resolve("ee10/jetty-ee10-webapp.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "version one");
    Files.writeString(lib.resolve("perchild-container.jar"), "container");
    FileTime time = Files.getLastModifiedTime(jar);
    String before = ClassArchiveKey.jars(lib);
    assertEquals(before, ClassArchiveKey.jars(lib));

    // Same length, same time, other bytes: what JDK-8377932's check lets through.
    Files.writeString(jar, "version two");
    Files.setLastModifiedTime(jar, time);
    assertNotEquals(before, ClassArchiveKey.jars(lib));
  }

  @Test
  void anAddedJarChangesTheDigest() throws IOException {
    Files.writeString(lib.resolve("a.jar"), "a");
    String before = ClassArchiveKey.jars(lib);
    Files.writeString(lib.resolve("b.jar"), "b");
    assertNotEquals(before, ClassArchiveKey.jars(lib));
  }

  @Test
  void theJvmIsNamedByItsVersionAndHome() {
    String jvm = ClassArchiveKey.jvm();
    assertTrue(jvm.contains(System.getProperty("java.vm.version")), jvm);
    assertTrue(jvm.contains(System.getProperty("java.home")), jvm);
  }
}
