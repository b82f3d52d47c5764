package org.perchild.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A memory file holds exactly what was written, sealed, and is read to its end once. */
class MemoryFileTest {

  @Test
  void whatIsWrittenIsReadBackFromTheStartAndTheDescriptorIsClosed() throws Exception {
    byte[] bytes = new byte[200_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    int fd = MemoryFile.create("test", bytes);
    assertTrue(Descriptors.isCloseOnExec(fd));

    assertArrayEquals(bytes, MemoryFile.readToEnd(fd, bytes.length));

    PosixException closed = assertThrows(PosixException.class, () -> Descriptors.close(fd));
    assertEquals("EBADF", closed.errnoName());
  }

  @Test
  void aSealedFileRefusesWritesAndAReaderRefusesMoreThanItsLimit() throws Exception {
    int fd = MemoryFile.create("test", "twelve bytes".getBytes(StandardCharsets.US_ASCII));
    assertTrue(LibC.get().write(fd, new byte[] {1}, 1) < 0, "a write to a sealed memory file");
    assertEquals(1, LibC.errno()); // EPERM: F_SEAL_WRITE

    PosixException tooBig = assertThrows(PosixException.class, () -> MemoryFile.readToEnd(fd, 5));
    assertTrue(tooBig.getMessage().contains("more than 5 bytes"), tooBig.getMessage());
    assertThrows(PosixException.class, () -> Descriptors.close(fd)); // closed by the failed read
  }

  @Test
  void anEmptyFileReadsAsNothing() throws Exception {
    assertEquals(0, MemoryFile.readToEnd(MemoryFile.create("empty", new byte[0]), 10).length);
  }
}
