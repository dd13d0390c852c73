package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;

import org.osgi.service.log.Logger;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;

final class TestSupport {
    private TestSupport() {
    }

    /** A Config whose keys ("frame.max", ...) default to the annotation defaults. */
    static NettyTransport.Config config(Map<String, String> values) {
        return (NettyTransport.Config) Proxy.newProxyInstance(NettyTransport.Config.class.getClassLoader(),
            new Class<?>[] {NettyTransport.Config.class}, (proxy, method, args) -> {
                String key = method.getName().replace('_', '.');
                if (method.getDefaultValue() != null) {
                    return values.getOrDefault(key, (String) method.getDefaultValue());
                }
                return switch (method.getName()) {
                    case "annotationType" -> NettyTransport.Config.class;
                    case "toString" -> "Config" + values;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            });
    }

    /** Records "LEVEL message" lines; only the methods the transport uses are supported. */
    static final class TestLog {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                String name = method.getName();
                if (name.equals("getName")) {
                    return "test";
                }
                if (name.startsWith("is") && name.endsWith("Enabled")) {
                    return true;
                }
                if (args != null && args.length > 0 && args[0] instanceof String format) {
                    Object[] params = args.length == 2 && args[1] instanceof Object[] a ? a
                        : java.util.Arrays.copyOfRange(args, 1, args.length);
                    lines.add(name.toUpperCase() + " " + format(format, params));
                    return null;
                }
                if (name.equals("toString")) {
                    return "TestLog";
                }
                throw new UnsupportedOperationException(name);
            });

        List<String> at(String level) {
            return lines.stream().filter(l -> l.startsWith(level + " ")).collect(Collectors.toList());
        }

        private static String format(String format, Object[] params) {
            StringBuilder b = new StringBuilder();
            int from = 0;
            int i = 0;
            for (int at; (at = format.indexOf("{}", from)) >= 0 && i < params.length; from = at + 2) {
                b.append(format, from, at).append(params[i++]);
            }
            return b.append(format.substring(from)).toString();
        }
    }

    record Closed(CloseReason reason, String detail) {}

    /** Records events and every breach of the handler contract (order, exactly-once close). */
    static final class Recorder implements ConnectionHandler {
        final boolean establish;
        final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        final Map<Connection, BlockingQueue<byte[]>> frames = new ConcurrentHashMap<>();
        final Map<Connection, CompletableFuture<Closed>> closed = new ConcurrentHashMap<>();
        final List<String> violations = new CopyOnWriteArrayList<>();

        /** @param establish call {@link Connection#established()} from opened */
        Recorder(boolean establish) {
            this.establish = establish;
        }

        @Override
        public void opened(Connection c) {
            if (frames.putIfAbsent(c, new LinkedBlockingQueue<>()) != null) {
                violations.add("opened twice: " + c);
            }
            if (establish) {
                c.established();
            }
            opened.add(c);
        }

        @Override
        public void frame(Connection c, byte[] frame) {
            BlockingQueue<byte[]> q = frames.get(c);
            if (q == null || closedFuture(c).isDone()) {
                violations.add("frame outside opened..closed: " + c);
            } else {
                q.add(frame);
            }
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            if (!frames.containsKey(c)) {
                violations.add("closed before opened: " + c);
            }
            if (!closedFuture(c).complete(new Closed(reason, detail))) {
                violations.add("closed twice: " + c + " " + reason);
            }
        }

        CompletableFuture<Closed> closedFuture(Connection c) {
            return closed.computeIfAbsent(c, k -> new CompletableFuture<>());
        }

        Connection nextOpened() throws InterruptedException {
            Connection c = opened.poll(5, SECONDS);
            assertNotNull(c, "no connection opened within 5s");
            return c;
        }

        Closed awaitClosed(Connection c) throws Exception {
            return closedFuture(c).get(5, SECONDS);
        }

        byte[] nextFrame(Connection c) throws InterruptedException {
            byte[] f = frames.get(c).poll(5, SECONDS);
            assertNotNull(f, "no frame within 5s on " + c);
            return f;
        }
    }
}
