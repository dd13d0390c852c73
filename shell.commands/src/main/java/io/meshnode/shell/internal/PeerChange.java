package io.meshnode.shell.internal;

import io.meshnode.api.mesh.PeerDTO;

/**
 * What {@code mesh:connect} and {@code mesh:disconnect} return: the peer, and what the command changed, so that
 * a repeated command says that nothing changed.
 *
 * @param action {@code connect} or {@code disconnect}
 * @param peer the peer after {@code connect}, before {@code disconnect}; {@code null} if there was none
 * @param changed whether the command changed anything
 * @param what one sentence for the operator
 */
public record PeerChange(String action, PeerDTO peer, boolean changed, String what) {}
