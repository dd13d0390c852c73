package io.meshnode.transport.netty.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O implementation: native epoll when it is usable, otherwise NIO. Sockets are opened in the
 * family of the address they serve, so an IPv4 link shows as IPv4 in {@code ss} and to firewall rules
 * (a dual-stack socket would show it as {@code ::ffff:a.b.c.d}).
 */
record Io(String name, IoHandlerFactory handlerFactory, boolean epoll) {

    static Io select(boolean tryEpoll) {
        if (tryEpoll) {
            try {
                if (Native.available()) {
                    return new Io("epoll", Native.factory(), true);
                }
            } catch (LinkageError e) {
                // io.netty.channel.epoll is an optional import: when it is not wired its classes are missing
            }
        }
        return new Io("nio", NioIoHandler.newFactory(), false);
    }

    ChannelFactory<? extends ServerChannel> serverChannel(InetAddress address) {
        SocketProtocolFamily family = family(address);
        return epoll ? Native.server(family) : () -> new NioServerSocketChannel(SelectorProvider.provider(), family);
    }

    ChannelFactory<? extends Channel> channel(InetAddress address) {
        SocketProtocolFamily family = family(address);
        return epoll ? Native.client(family) : () -> new NioSocketChannel(SelectorProvider.provider(), family);
    }

    /**
     * Sets TCP_USER_TIMEOUT on an epoll socket, so that the kernel gives up on data the peer leaves
     * unacknowledged (also on a zero window) instead of retrying for many minutes; NIO cannot set it.
     *
     * @param timeout zero for the kernel's default
     */
    void userTimeout(Channel ch, Duration timeout) {
        if (epoll && !timeout.isZero()) {
            Native.userTimeout(ch, (int) timeout.toMillis());
        }
    }

    /** @return the TCP_USER_TIMEOUT of an epoll socket in ms, -1 on NIO (for tests) */
    int userTimeout(Channel ch) {
        return epoll ? Native.userTimeout(ch) : -1;
    }

    private static SocketProtocolFamily family(InetAddress address) {
        return address instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    }

    /** Kept in its own class so that verifying Io never needs the epoll classes. */
    private static final class Native {
        static boolean available() {
            return Epoll.isAvailable();
        }

        static IoHandlerFactory factory() {
            return EpollIoHandler.newFactory();
        }

        static ChannelFactory<? extends ServerChannel> server(SocketProtocolFamily family) {
            return () -> new EpollServerSocketChannel(family);
        }

        static ChannelFactory<? extends Channel> client(SocketProtocolFamily family) {
            return () -> new EpollSocketChannel(family);
        }

        static void userTimeout(Channel ch, int millis) {
            ch.config().setOption(EpollChannelOption.TCP_USER_TIMEOUT, millis);
        }

        static int userTimeout(Channel ch) {
            return ch.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT);
        }
    }
}
