package io.meshnode.shell.internal;

import java.util.AbstractList;
import java.util.List;

import io.meshnode.api.mesh.PeerDTO;

/**
 * What {@code mesh:reconnect} returns: the peers after the request, as a {@code List<PeerDTO>}, and what each
 * was before, so that the console can say what changed ({@code reconnecting ... (was PARKED, 20 failures)}).
 */
public final class Reconnects extends AbstractList<PeerDTO> {
    private final List<PeerDTO> before;
    private final List<PeerDTO> after;

    Reconnects(List<PeerDTO> before, List<PeerDTO> after) {
        if (before.size() != after.size()) {
            throw new IllegalArgumentException("before and after differ in size");
        }
        this.before = List.copyOf(before);
        this.after = List.copyOf(after);
    }

    @Override
    public PeerDTO get(int index) {
        return after.get(index);
    }

    @Override
    public int size() {
        return after.size();
    }

    /**
     * @param index as for {@link #get(int)}
     * @return that peer as it was before the request
     */
    public PeerDTO before(int index) {
        return before.get(index);
    }
}
