package io.meshnode.shell.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * What a command says when it cannot do what was asked. Gogo's console prints a failed command's exception
 * with {@code toString()}, which would put a Java class name in front of a message written for the operator
 * ({@code java.lang.IllegalArgumentException: no peer matches 'x' ...}); these print the message alone.
 * They stay {@link IllegalArgumentException} (bad input) and {@link IllegalStateException} (not possible now)
 * for scripts and tests that tell the two apart.
 */
final class CommandError {
    private CommandError() {}

    /** The operator's input is wrong: an unknown peer, a malformed address, an unknown state. */
    static final class BadInput extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** The command cannot run now: the mesh is being updated, a peer is not connected. */
    static final class NotNow extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NotNow(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /**
     * @return {@code service} seen through a proxy that rethrows its {@link IllegalArgumentException}s and
     *         {@link IllegalStateException}s as {@link BadInput} and {@link NotNow}
     */
    static <T> T operatorFacing(Class<T> type, T service) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            try {
                return method.invoke(service, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IllegalArgumentException && !(cause instanceof BadInput)) {
                    throw new BadInput(cause.getMessage());
                }
                if (cause instanceof IllegalStateException && !(cause instanceof NotNow)) {
                    throw new NotNow(cause.getMessage());
                }
                throw cause;
            }
        }));
    }
}
