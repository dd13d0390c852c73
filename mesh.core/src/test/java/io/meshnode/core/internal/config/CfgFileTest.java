package io.meshnode.core.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CfgFileTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheActiveLineAndItsContinuationsKeepingEverythingElse() throws Exception {
        Path f = dir.resolve("meshnode.mesh.cfg");
        Files.writeString(f, "# my mesh\nlisten = 127.0.0.2:7800\npeers = 127.0.0.3:7800, \\\n  127.0.0.4:7800\nrole = fullnode\n");
        CfgFile.set(f, "peers", "127.0.0.5:7800");
        assertEquals("# my mesh\nlisten = 127.0.0.2:7800\npeers = 127.0.0.5:7800\nrole = fullnode\n", Files.readString(f));
    }

    @Test
    void goesAfterTheCommentedDefaultOrAtTheEnd() throws Exception {
        Path f = dir.resolve("a.cfg");
        Files.writeString(f, "# Comma-separated peers\n#peers = \n# dial.grace = 10s\n");
        CfgFile.set(f, "peers", "127.0.0.5:7800");
        assertEquals("# Comma-separated peers\n#peers = \npeers = 127.0.0.5:7800\n# dial.grace = 10s\n", Files.readString(f));
        Path g = dir.resolve("b.cfg");
        CfgFile.set(g, "peers", "127.0.0.5:7800");
        assertEquals("peers = 127.0.0.5:7800\n", Files.readString(g));
    }
}
