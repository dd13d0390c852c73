package io.meshnode.shell.internal;

import java.util.AbstractList;
import java.util.List;

import io.meshnode.api.mesh.BanDTO;

/**
 * What {@code mesh:bans} and {@code mesh:unban} return: a read-only {@code List<BanDTO>} for scripts, with
 * a caption ({@code bans in force}, {@code lifted}) so that {@link BanConverter} can render it whole and
 * say what an empty list means.
 */
public final class BanTable extends AbstractList<BanDTO> {
    private final List<BanDTO> bans;
    private final String caption;
    private final String empty;

    BanTable(List<BanDTO> bans, String caption, String empty) {
        this.bans = List.copyOf(bans);
        this.caption = caption;
        this.empty = empty;
    }

    String caption() {
        return caption;
    }

    String empty() {
        return empty;
    }

    @Override
    public BanDTO get(int index) {
        return bans.get(index);
    }

    @Override
    public int size() {
        return bans.size();
    }
}
