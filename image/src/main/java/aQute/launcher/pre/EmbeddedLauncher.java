package aQute.launcher.pre;

/**
 * Stands in, in the runtime image, for bnd's launcher of the same name: node's {@code Main} hands over to whatever
 * class of this name it finds, which in {@code meshnode.jar} is bnd's and here starts the framework through Atomos.
 */
public final class EmbeddedLauncher {
    private EmbeddedLauncher() {}

    /**
     * Runs the node until its framework stops; exits the JVM with the node's exit status.
     *
     * @param args unused (node's Main has read the command line)
     * @throws Exception when the framework cannot be launched
     */
    public static void main(String[] args) throws Exception {
        io.meshnode.image.AtomosLauncher.main(args);
    }
}
