package io.meshnode.itest.mesh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Many minimal peers in one thread, for benchmarks: each listens on its own address, says hello as a
 * masternode with a made-up id, and answers pings. It never pings, so the node under test pays for
 * its own heartbeats only.
 */
final class Swarm implements AutoCloseable {
    final List<String> endpoints = new ArrayList<>();
    private final Selector selector;
    private final Thread thread;
    private volatile boolean running = true;

    Swarm(int count, int port) throws IOException {
        selector = Selector.open();
        for (int i = 0; i < count; i++) {
            String host = "127.1." + (i / 250) + "." + (1 + i % 250);
            ServerSocketChannel server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(host, port));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT, hello(i, host, port));
            endpoints.add(host + ":" + port);
        }
        thread = new Thread(this::run, "swarm");
        thread.setDaemon(true);
        thread.start();
    }

    private static byte[] hello(int i, String host, int port) throws IOException {
        byte[] id = String.format("%040x", 0xC0FFEE000L + i).getBytes(StandardCharsets.US_ASCII);
        byte[] addr = java.net.InetAddress.getByName(host).getAddress();
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 1 + 2 + id.length + 1 + 4 + 2);
        b.putInt(b.capacity() - 4).put((byte) 1).putShort((short) 1).put((byte) 0).putShort((short) id.length).put(id)
            .put((byte) 4).put(addr).putShort((short) port);
        return b.array();
    }

    private void run() {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        try {
            while (running) {
                selector.select(200);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
                        if (c != null) {
                            c.configureBlocking(false);
                            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            c.write(ByteBuffer.wrap((byte[]) key.attachment()));
                            c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(4096));
                        }
                    } else if (key.isReadable()) {
                        read((SocketChannel) key.channel(), (ByteBuffer) key.attachment(), in, key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static void read(SocketChannel c, ByteBuffer pending, ByteBuffer scratch, SelectionKey key) {
        try {
            if (c.read(pending) < 0) {
                key.cancel();
                c.close();
                return;
            }
            pending.flip();
            while (pending.remaining() >= 4) {
                int len = pending.getInt(pending.position());
                if (pending.remaining() < 4 + len) {
                    break;
                }
                byte[] frame = new byte[len];
                pending.getInt();
                pending.get(frame);
                if (len == 17 && frame[0] == 4) {
                    frame[0] = 5;
                    c.write(ByteBuffer.allocate(21).putInt(17).put(frame).flip());
                }
            }
            pending.compact();
        } catch (IOException e) {
            key.cancel();
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        for (SelectionKey k : selector.keys()) {
            k.channel().close();
        }
        selector.close();
    }

}
