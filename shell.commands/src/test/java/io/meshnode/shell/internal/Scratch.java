package io.meshnode.shell.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.Test;

class Scratch {
    @Test
    void print() throws Exception {
        MeshConverter c = new MeshConverter(Clock.fixed(Instant.ofEpochMilli(FakeMesh.NOW), ZoneOffset.UTC));
        FakeMesh m = new FakeMesh();
        m.peers.add(FakeMesh.connected());
        m.peers.add(FakeMesh.parked());
        m.peers.add(FakeMesh.idle("10.0.0.9:7800"));
        MeshCommands cmd = new MeshCommands(m);
        for (int level : new int[] {0, 1, 2}) {
            System.out.println("=== " + level);
            System.out.println(c.format(FakeMesh.connected(), level, null));
            System.out.println(c.format(FakeMesh.idle("10.0.0.9:7800"), level, null));
            System.out.println(c.format(new io.meshnode.api.mesh.PeerDTO(), level, null));
            System.out.println(c.format(cmd.status(), level, null));
            System.out.println(c.format(cmd.peers(""), level, null));
            m.node.listening = false; m.node.missing = List.of("transport", "retry");
            System.out.println(c.format(m.node(), level, null));
            m.node.listening = true;
        }
        System.out.println(c.format(cmd.reconnect("127.0.0.3:7801"), 0, null));
        System.out.println(c.format(cmd.reconnect(true), 0, null));
    }
}
