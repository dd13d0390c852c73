package io.meshnode.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.Test;

import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;

class BanCommandsTest {
    private final List<BanDTO> inForce = new ArrayList<>();
    private final Bans service = new Bans() {
        @Override
        public List<BanDTO> bans() {
            return List.copyOf(inForce);
        }

        @Override
        public List<BanDTO> unban(String ref) {
            if (ref.equals("?")) {
                throw new IllegalArgumentException("'?' is neither an address nor a node id (prefix)");
            }
            List<BanDTO> lifted = inForce.stream().filter(b -> b.address.equals(ref) || ref.equals("all")).toList();
            inForce.removeAll(lifted);
            return lifted;
        }
    };
    private final BanCommands commands = new BanCommands(service);
    private final BanConverter converter = new BanConverter(ZoneOffset.UTC);

    private static BanDTO ban(String address, String id) {
        BanDTO b = new BanDTO();
        b.address = address;
        b.claimedId = id;
        b.offences = 5;
        b.reason = "HANDSHAKE_TIMEOUT: no handshake within 5s";
        b.since = 1_700_000_000_000L;
        b.until = 1_700_000_600_000L;
        return b;
    }

    @Test
    void bansAreListedAsATableAndLiftedIdempotently() {
        inForce.add(ban("10.0.0.5", null));
        inForce.add(ban("10.0.0.6", "9f2c4e1ab3d07781aa00bb11cc22dd33ee44ff55"));
        BanDTO proven = ban("10.0.0.7", "0123456789abcdef0123456789abcdef01234567");
        proven.idProven = true;
        inForce.add(proven);
        assertEquals("bans in force (3):\n"
            + "ADDRESS                                  NODE-ID                 OFFENCES  UNTIL                LAST-OFFENCE\n"
            + "10.0.0.5                                 -                              5  2023-11-14T22:23:20  HANDSHAKE_TIMEOUT: no handshake within 5s\n"
            + "10.0.0.6                                 9f2c4e1ab3d0 (claimed)         5  2023-11-14T22:23:20  HANDSHAKE_TIMEOUT: no handshake within 5s\n"
            + "10.0.0.7                                 0123456789ab                   5  2023-11-14T22:23:20  HANDSHAKE_TIMEOUT: no handshake within 5s",
            converter.format(commands.bans(), Converter.INSPECT, null).toString());

        BanTable lifted = commands.unban("10.0.0.5");
        assertEquals(1, lifted.size());
        assertEquals("lifted (1):", converter.format(lifted, Converter.INSPECT, null).toString().lines().findFirst().get());
        assertEquals("no ban matches '10.0.0.5'; nothing changed",
            converter.format(commands.unban("10.0.0.5"), Converter.INSPECT, null).toString());
        assertEquals(List.of("10.0.0.6", "10.0.0.7"), commands.bans().stream().map(b -> b.address).toList());
        assertEquals(2, commands.unban("all").size());
        assertEquals("no bans", converter.format(commands.bans(), Converter.INSPECT, null).toString());
    }

    @Test
    void theSshConsolesBansAreListedAndLiftedBesideTheMeshs() {
        inForce.add(ban("10.0.0.5", null));
        List<BanDTO> ssh = new ArrayList<>();
        BanDTO login = ban("127.0.77.22", null);
        login.reason = "ssh console: wrong password for user 'root'";
        login.until = 1_700_000_300_000L;
        ssh.add(login);
        Bans console = new Bans() {
            @Override
            public List<BanDTO> bans() {
                return List.copyOf(ssh);
            }

            @Override
            public List<BanDTO> unban(String ref) {
                List<BanDTO> lifted = ssh.stream().filter(b -> b.address.equals(ref) || ref.equals("all")).toList();
                ssh.removeAll(lifted);
                return lifted;
            }
        };
        BanCommands both = new BanCommands(service, console);
        assertEquals(List.of("127.0.77.22", "10.0.0.5"), both.bans().stream().map(b -> b.address).toList(),
            "soonest expiry first, whichever list");
        assertTrue(converter.format(both.bans(), Converter.INSPECT, null).toString()
            .contains("ssh console: wrong password for user 'root'"));
        assertEquals(List.of("127.0.77.22"), both.unban("127.0.77.22").stream().map(b -> b.address).toList());
        assertEquals("'?' is neither an address nor a node id (prefix)",
            assertThrows(IllegalArgumentException.class, () -> new BanCommands(service).unban("?")).getMessage());
        assertEquals(0, both.unban("?").size(), "a reference one list understands is no error");
        assertEquals(1, both.unban("all").size());
    }

    @Test
    void badReferencesAndAMissingServiceSaySo() {
        assertEquals("'?' is neither an address nor a node id (prefix)",
            assertThrows(IllegalArgumentException.class, () -> commands.unban("?")).getMessage());
        assertEquals(BanCommands.UNAVAILABLE,
            assertThrows(IllegalStateException.class, () -> new BanCommands().bans()).getMessage());
    }
}
