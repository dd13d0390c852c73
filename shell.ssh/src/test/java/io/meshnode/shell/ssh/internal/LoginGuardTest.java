package io.meshnode.shell.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.testing.RecordingLogger;

/** Failed logins in virtual time: the growing delay, the ban, its expiry, and lifting it. */
class LoginGuardTest {
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final RecordingLogger log = new RecordingLogger();
    private final LoginGuard guard = new LoginGuard(now::get, log.logger());
    private final InetAddress attacker = address("127.0.77.9");
    private final InetAddress operator = address("127.0.77.10");

    LoginGuardTest() {
        guard.policy(new LoginGuard.Policy(4, Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofSeconds(1)));
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theDelayDoublesWithEachFailureAndTheFourthBans() {
        assertEquals(Duration.ofSeconds(1), guard.failed(attacker, "wrong password for user 'root'"));
        assertEquals(Duration.ofSeconds(2), guard.failed(attacker, "wrong password for user 'root'"));
        assertEquals(Duration.ofSeconds(4), guard.failed(attacker, "wrong password for user 'root'"));
        assertFalse(guard.refuses(attacker));
        assertEquals(Duration.ofSeconds(8), guard.failed(attacker, "wrong password for user 'admin'"));
        assertTrue(guard.refuses(attacker));
        assertFalse(guard.refuses(operator), "other addresses are not concerned");

        List<BanDTO> bans = guard.bans();
        assertEquals(1, bans.size());
        BanDTO ban = bans.get(0);
        assertEquals("127.0.77.9", ban.address);
        assertEquals(4, ban.offences);
        assertEquals("ssh console: wrong password for user 'admin'", ban.reason);
        assertNull(ban.claimedId);
        assertEquals(now.get() + Duration.ofMinutes(15).toMillis(), ban.until);
        assertTrue(log.has("WARN", "SSH console: banning 127.0.77.9 for 15m after 4 failed logins within 10m"));

        // capped at 16 times auth.delay
        for (int i = 0; i < 3; i++) {
            guard.failed(attacker, "x");
        }
        assertEquals(Duration.ofSeconds(16), guard.failed(attacker, "x"));
    }

    @Test
    void failuresOutsideTheWindowAndExpiredBansAreForgotten() {
        for (int i = 0; i < 3; i++) {
            guard.failed(attacker, "x");
            now.addAndGet(Duration.ofMinutes(4).toMillis());
        }
        assertEquals(Duration.ofSeconds(4), guard.failed(attacker, "x"), "only 3 within the last 10 minutes");
        assertFalse(guard.refuses(attacker));
        guard.failed(attacker, "x");
        assertTrue(guard.refuses(attacker));
        now.addAndGet(Duration.ofMinutes(15).toMillis());
        assertFalse(guard.refuses(attacker));
        assertEquals(List.of(), guard.bans());
        assertTrue(log.has("INFO", "the ban of 127.0.77.9 expired"));
    }

    @Test
    void aSuccessfulLoginForgivesEarlierFailures() {
        guard.failed(operator, "typo");
        guard.failed(operator, "typo");
        guard.succeeded(operator);
        assertEquals(Duration.ofSeconds(1), guard.failed(operator, "typo"));
    }

    @Test
    void unbanTakesAnAddressWithOrWithoutAPortOrAll() {
        for (int i = 0; i < 4; i++) {
            guard.failed(attacker, "x");
            guard.failed(operator, "x");
        }
        assertEquals(List.of(), guard.unban("9f2c4e1a"), "a node id prefix is the mesh's business");
        assertEquals(List.of(), guard.unban("10.0.0.1"));
        assertEquals("127.0.77.9", guard.unban("127.0.77.9:7801").get(0).address);
        assertFalse(guard.refuses(attacker));
        assertEquals(Duration.ofSeconds(1), guard.failed(attacker, "x"), "its failures are forgotten too");
        assertEquals(1, guard.unban("all").size());
        assertEquals(List.of(), guard.bans());
        assertTrue(log.has("INFO", "operator lifted the SSH console's ban of 127.0.77.10"));
    }

    @Test
    void addressesAreParsedWithoutALookup() {
        assertEquals("0:0:0:0:0:0:0:1", LoginGuard.address("[::1]:7801"));
        assertEquals("0:0:0:0:0:0:0:1", LoginGuard.address("::1"));
        assertEquals("10.0.0.5", LoginGuard.address("10.0.0.5"));
        assertNull(LoginGuard.address("localhost"));
        assertNull(LoginGuard.address("abcd"), "hex alone is an id prefix, not an address");
    }

    @Test
    void banTimeZeroNeverBans() {
        guard.policy(new LoginGuard.Policy(1, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO));
        assertEquals(Duration.ZERO, guard.failed(attacker, "x"));
        assertFalse(guard.refuses(attacker));
    }
}
