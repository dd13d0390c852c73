package io.meshnode.examples.membership.statics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;

class StaticMembershipTest {
    private static final String ID = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void entriesWithAndWithoutIdAndRole() {
        Set<NodeRef> members = StaticMembership.parse(" 127.0.0.2:7800, " + ID.toUpperCase() + "@127.0.0.3:7800/fullnode,,");
        assertEquals(List.of(new NodeRef(null, ConfigValues.parseEndpoint("127.0.0.2:7800"), null),
            new NodeRef(ID, ConfigValues.parseEndpoint("127.0.0.3:7800"), NodeRole.FULLNODE)), List.copyOf(members));
        assertEquals(Set.of(), StaticMembership.parse(""));
    }

    @Test
    void aBadEntrySaysWhichAndWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> StaticMembership.parse("127.0.0.2:7800, abc@127.0.0.3:7800"));
        assertTrue(e.getMessage().contains("'abc@127.0.0.3:7800'") && e.getMessage().contains("40 hex"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StaticMembership.parse("127.0.0.2"));
        assertTrue(e.getMessage().startsWith("members: '127.0.0.2': expected host:port"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StaticMembership.parse("127.0.0.2:7800/leader"));
    }
}
