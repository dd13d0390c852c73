package io.meshnode.core.internal.osgi;

import io.meshnode.core.internal.engine.VirtualScheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/** Swap reports in virtual time: one line per swap, however many bind and unbind events it took. */
class ProvidersTest {
    private final VirtualScheduler clock = new VirtualScheduler();
    private final List<String> lines = new ArrayList<>();
    private final Providers providers = new Providers(lines::add, () -> clock);

    private static ServiceReference<?> ref(String component, int ranking) {
        Map<String, Object> props = Map.of("component.name", component, Constants.SERVICE_RANKING, ranking);
        return (ServiceReference<?>) Proxy.newProxyInstance(ProvidersTest.class.getClassLoader(),
            new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> switch (method.getName()) {
                case "getProperty" -> props.get(args[0]);
                case "getBundle" -> null;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    @Test
    void anUpdateIsOneLineFromTheOldProviderToTheNew() {
        Object old = new Object();
        Object updated = new Object();
        providers.bind(Role.RETRY, old, ref("retry.old", 0));
        clock.advance(Providers.SETTLE_MILLIS);
        lines.clear();
        assertTrue(providers.unbind(Role.RETRY, old));
        clock.advance(200); // the bundle is updated and its component activated again
        providers.bind(Role.RETRY, updated, ref("retry.new", 0));
        clock.advance(Providers.SETTLE_MILLIS);
        assertEquals(List.of("retry provider: retry.old (? ?, ranking 0) → retry.new (? ?, ranking 0)"), lines);
    }

    @Test
    void aProviderGoneForGoodIsReportedAsNoneOnceTheWindowPassed() {
        Object old = new Object();
        providers.bind(Role.HEALTH, old, ref("health.old", 0));
        clock.advance(Providers.SETTLE_MILLIS);
        lines.clear();
        providers.unbind(Role.HEALTH, old);
        clock.advance(Providers.SETTLE_MILLIS - 1);
        assertEquals(List.of(), lines, "not yet: a replacement may still come");
        clock.advance(1);
        assertEquals(List.of("health provider: health.old (? ?, ranking 0) → none"), lines);
        assertTrue(providers.snapshot().isEmpty());
    }

    @Test
    void anUpdatedHigherRankedProviderShowsNoFallbackInBetween() {
        Object fallback = new Object();
        Object counting = new Object();
        Object counting2 = new Object();
        providers.bind(Role.TRANSPORT, fallback, ref("netty", 0));
        providers.bind(Role.TRANSPORT, counting, ref("counting", 10));
        assertFalse(providers.unbind(Role.TRANSPORT, fallback), "greedy: the replacement is bound first");
        clock.advance(Providers.SETTLE_MILLIS);
        assertEquals(List.of("transport provider: none → counting (? ?, ranking 10)"), lines);
        lines.clear();
        // counting is updated: SCR binds the fallback, unbinds counting, then rebinds the new counting
        providers.bind(Role.TRANSPORT, fallback, ref("netty", 0));
        assertFalse(providers.unbind(Role.TRANSPORT, counting));
        clock.advance(300);
        providers.bind(Role.TRANSPORT, counting2, ref("counting", 10));
        assertFalse(providers.unbind(Role.TRANSPORT, fallback));
        clock.advance(Providers.SETTLE_MILLIS);
        assertEquals(List.of("transport provider: counting (? ?, ranking 10) → counting (? ?, ranking 10)"), lines);
        assertEquals("counting", providers.snapshot().get(0).component);
    }

    @Test
    void rolesSettleIndependentlyAndAStoppingMeshFlushesWhatIsPending() {
        Object retry = new Object();
        Object health = new Object();
        providers.bind(Role.RETRY, retry, ref("r", 0));
        clock.advance(500);
        providers.bind(Role.HEALTH, health, ref("h", 0));
        clock.advance(500);
        assertEquals(List.of("retry provider: none → r (? ?, ranking 0)"), lines);
        providers.flush();
        assertEquals(List.of("retry provider: none → r (? ?, ranking 0)", "health provider: none → h (? ?, ranking 0)"), lines);
        clock.advance(Providers.SETTLE_MILLIS);
        assertEquals(2, lines.size(), "flushed once, not again when the window ends");
    }

    @Test
    void withoutAMeshThreadChangesAreReportedAtOnce() {
        List<String> direct = new ArrayList<>();
        Providers early = new Providers(direct::add, () -> null);
        Object s = new Object();
        early.bind(Role.TOPOLOGY, s, ref("t", 0));
        early.unbind(Role.TOPOLOGY, s);
        assertEquals(List.of("topology provider: none → t (? ?, ranking 0)", "topology provider: t (? ?, ranking 0) → none"),
            direct);
    }
}
