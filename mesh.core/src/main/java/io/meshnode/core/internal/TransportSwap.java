package io.meshnode.core.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.meshnode.core.internal.MeshEngine.Link;

/**
 * What the mesh does with its links when the transport under them is replaced (a new version of the
 * transport bundle, or a higher-ranked transport): each handshaken link says goodbye (ADMIN, not a
 * failure for the peer) and its peer is marked to be redialed at once through the new transport, with
 * its failure count and history untouched.
 */
final class TransportSwap {
    private TransportSwap() {}

    /**
     * @param links the links over the old transport
     * @param goodbye sends the goodbye and closes one link
     * @return completes when every goodbye has been written (or failed)
     */
    static CompletableFuture<Void> leave(Collection<Link> links, Consumer<Link> goodbye) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (Link l : List.copyOf(links)) {
            if (l.closing) {
                continue;
            }
            if (l.peer != null && !l.peer.removed) {
                l.peer.rejoin = true;
            }
            goodbye.accept(l);
            if (l.goodbyeSent != null) {
                sent.add(l.goodbyeSent.exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]));
    }
}
