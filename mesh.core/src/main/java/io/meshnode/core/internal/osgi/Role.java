package io.meshnode.core.internal.osgi;

import java.util.Locale;

/** The swappable roles the mesh binds, each to at most one provider at a time. */
enum Role {
    TRANSPORT, TOPOLOGY, HEALTH, RETRY;

    /** @return the name operators see and the reference name ({@code <role>.target} in etc/meshnode.mesh.cfg) */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
