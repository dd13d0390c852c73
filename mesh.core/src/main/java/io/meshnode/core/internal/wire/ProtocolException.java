package io.meshnode.core.internal.wire;

/** A frame that does not follow the protocol: the link that sent it is closed, and nothing else happens. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
