package io.meshnode.transport.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The I/O implementation: native epoll when it is usable, otherwise NIO. */
record Io(String name, IoHandlerFactory handlerFactory, Class<? extends ServerChannel> serverChannel,
    Class<? extends Channel> channel) {

    static Io select(boolean tryEpoll) {
        if (tryEpoll) {
            try {
                Io epoll = Native.ifAvailable();
                if (epoll != null) {
                    return epoll;
                }
            } catch (LinkageError e) {
                // io.netty.channel.epoll is an optional import: when it is not wired its classes are missing
            }
        }
        return new Io("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** Kept in its own class so that verifying Io never needs the epoll classes. */
    private static final class Native {
        static Io ifAvailable() {
            return Epoll.isAvailable()
                ? new Io("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class)
                : null;
        }
    }
}
