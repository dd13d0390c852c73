package io.meshnode.core.internal.config;


import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.topology.NodeRole;

class MeshSettingsTest {
    private static final String ID = "0123456789abcdef0123456789abcdef01234567";

    private static MeshSettings parse(Object... kv) {
        Map<String, Object> cfg = map(kv);
        cfg.put(ConfigValues.FILEINSTALL_FILENAME, "/n/etc/meshnode.mesh.cfg");
        return MeshSettings.parse(Configs.of(MeshConfig.class, cfg), ConfigValues.of(cfg, "meshnode.mesh"));
    }

    @Test
    void defaults() {
        MeshSettings s = parse();
        assertEquals("127.0.0.1:7800", ConfigValues.format(s.listen()));
        assertEquals(NodeRole.MASTERNODE, s.role());
        assertTrue(s.peers().isEmpty());
        assertEquals(Duration.ofSeconds(10), s.dialGrace());
    }

    @Test
    void peersWithAndWithoutPinnedIds() {
        MeshSettings s = parse("peers", "127.0.0.3:7800, " + ID.toUpperCase() + "@127.0.0.4:7801\n[::1]:7802", "role", "FullNode");
        assertEquals(3, s.peers().size());
        assertNull(s.peers().get(0).id());
        assertEquals(ID, s.peers().get(1).id());
        assertEquals("[::1]:7802", ConfigValues.format(s.peers().get(2).endpoint()));
        assertEquals(NodeRole.FULLNODE, s.role());
    }

    @Test
    void badValuesAreRejectedNamingFileAndKey() {
        assertEquals("etc/meshnode.mesh.cfg: role = 'boss' is invalid: expected masternode or fullnode",
            assertThrows(ConfigException.class, () -> parse("role", "boss")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> parse("peers", "127.0.0.3")).getMessage()
            .startsWith("etc/meshnode.mesh.cfg: peers = '127.0.0.3' is invalid"));
        assertThrows(ConfigException.class, () -> parse("peers", "xyz@127.0.0.3:7800"));
        assertThrows(ConfigException.class, () -> parse("peers", "127.0.0.1:7800"), "own address");
        assertThrows(ConfigException.class, () -> parse("listen", "nowhere"));
        assertThrows(ConfigException.class, () -> parse("dial.grace", "10"));
    }

    @Test
    void aWildcardListenNeedsAnAdvertisedAddress() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("listen", "0.0.0.0:7800"));
        assertTrue(e.getMessage().contains("set advertise = host:port"), e.getMessage());
        MeshSettings s = parse("listen", "0.0.0.0:7800", "advertise", "10.1.2.3:7800");
        assertEquals(ConfigValues.parseEndpoint("10.1.2.3:7800"), s.advertise());
        assertThrows(ConfigException.class, () -> parse("listen", "127.0.0.2:7800", "advertise", "0.0.0.0:7800"));
        assertNull(parse().advertise(), "empty: the listen address");
    }
}
