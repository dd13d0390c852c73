package io.meshnode.itest.mesh.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.messaging.MessageHandler;
import io.meshnode.api.messaging.Messaging;
import io.meshnode.api.transport.OverBudgetException;

/**
 * An application for MessagingBench, written against mesh.api only; the bench packs this class into a bundle of its
 * own ({@link #manifest()}) and drops it into each node's {@code deploy/}. The system property {@value #ROLE} says
 * what it does:
 * <ul>
 * <li>{@code receive}: handles topic {@value #TOPIC} and prints {@code BENCH rx <messages> <bytes> <nanoTime>}
 * every 100 ms;</li>
 * <li>{@code send}: sends to the one connected peer, by its id, through {@link Messaging#send}, as fast as the link
 * takes it: a send refused for the budget waits for {@link Messaging#whenWritable} and is made again. The payload
 * size is read from the file named by {@value #CONTROL} (0: pause). It also prints the heartbeat's last round trip
 * to the peer as the mesh reports it, {@code BENCH rtt <micros>}, whenever a new one arrives.</li>
 * </ul>
 */
public final class MessagingLoad implements BundleActivator {
    public static final String ROLE = "meshnode.bench.role";
    public static final String CONTROL = "meshnode.bench.control";
    public static final String TOPIC = "meshnode.bench";

    private volatile boolean running = true;
    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private ServiceRegistration<MessageHandler> handler;
    private Thread worker;
    private Thread sampler;

    @Override
    public void start(BundleContext context) {
        if ("receive".equals(context.getProperty(ROLE))) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(MessageHandler.TOPIC, TOPIC);
            handler = context.registerService(MessageHandler.class, (peer, topic, payload) -> {
                messages.increment();
                bytes.add(payload.length);
            }, props);
            worker = thread("bench-rx", () -> {
                while (running) {
                    System.out.println("BENCH rx " + messages.sum() + " " + bytes.sum() + " " + System.nanoTime());
                    LockSupport.parkNanos(100_000_000);
                }
            });
        } else if ("send".equals(context.getProperty(ROLE))) {
            Path control = Path.of(context.getProperty(CONTROL));
            worker = thread("bench-tx", () -> send(context, control));
            sampler = thread("bench-rtt", () -> sampleRtt(context));
        }
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static <T> T service(BundleContext context, Class<T> type) {
        ServiceReference<T> ref = context.getServiceReference(type);
        return ref == null ? null : context.getService(ref);
    }

    private static String connectedPeer(Mesh mesh) {
        for (PeerDTO p : mesh.peers()) {
            if (p.state == PeerState.CONNECTED) {
                return p.id;
            }
        }
        return null;
    }

    private void send(BundleContext context, Path control) {
        byte[] payload = new byte[0];
        String peer = null;
        long readAt = 0;
        int size = 0;
        while (running) {
            long now = System.nanoTime();
            if (now - readAt > 50_000_000) {
                readAt = now;
                size = readSize(control);
            }
            Messaging messaging = service(context, Messaging.class);
            Mesh mesh = service(context, Mesh.class);
            if (size == 0 || messaging == null || mesh == null) {
                LockSupport.parkNanos(10_000_000);
                continue;
            }
            if (peer == null) {
                peer = connectedPeer(mesh);
                if (peer == null) {
                    LockSupport.parkNanos(10_000_000);
                    continue;
                }
            }
            if (payload.length != size) {
                payload = new byte[size];
            }
            peer = burst(messaging, peer, payload);
        }
    }

    /** Sends for about 50 ms; @return the peer, or {@code null} to look it up again */
    private String burst(Messaging messaging, String peer, byte[] payload) {
        long until = System.nanoTime() + 50_000_000;
        while (System.nanoTime() < until) {
            CompletableFuture<Void> sent = messaging.send(peer, TOPIC, payload).toCompletableFuture();
            if (!sent.isCompletedExceptionally()) {
                continue;
            }
            try {
                sent.get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof OverBudgetException)) {
                    LockSupport.parkNanos(10_000_000); // not connected (a reconnect): look the peer up again
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return peer;
            }
            try {
                messaging.whenWritable(peer).toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                return null;
            }
        }
        return peer;
    }

    private static int readSize(Path control) {
        try {
            return Files.exists(control) ? Integer.parseInt(Files.readString(control).trim()) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private void sampleRtt(BundleContext context) {
        long last = -1;
        while (running) {
            LockSupport.parkNanos(20_000_000);
            Mesh mesh = service(context, Mesh.class);
            if (mesh == null) {
                continue;
            }
            try {
                for (PeerDTO p : mesh.peers()) {
                    if (p.state == PeerState.CONNECTED && p.rttLastMicros >= 0 && p.rttLastMicros != last) {
                        last = p.rttLastMicros;
                        System.out.println("BENCH rtt " + last + " " + System.nanoTime());
                    }
                }
            } catch (RuntimeException e) {
                // the mesh is busy or restarting: sample again
            }
        }
    }

    @Override
    public void stop(BundleContext context) throws InterruptedException {
        running = false;
        if (handler != null) {
            handler.unregister();
        }
        for (Thread t : new Thread[] {worker, sampler}) {
            if (t != null) {
                t.join(2_000);
            }
        }
    }

    /** @return the manifest of the bundle made of this class alone */
    public static String manifest() {
        return String.join("\n", "Manifest-Version: 1.0", "Bundle-ManifestVersion: 2",
            "Bundle-SymbolicName: itest.messaging.load", "Bundle-Version: 1.0.0",
            "Bundle-Activator: " + MessagingLoad.class.getName(),
            "Import-Package: io.meshnode.api.mesh;version=\"[1.0,2)\",io.meshnode.api.messaging;version=\"[1.1,2)\","
                + "io.meshnode.api.transport;version=\"[1.2,2)\",org.osgi.framework;version=\"[1.8,2)\"",
            "", "");
    }
}
