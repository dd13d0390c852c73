/**
 * The launcher of Meshnode's runtime image (README, "JPMS"): node's {@code io.meshnode.node.Main} settles the node home
 * and hands over to {@code aQute.launcher.pre.EmbeddedLauncher}, which in the executable jar is bnd's launcher and in
 * the image is this module's, starting the framework through Apache Felix Atomos.
 */
module io.meshnode.image {
    requires org.apache.felix.atomos;
    requires org.apache.felix.framework;

    uses org.osgi.framework.connect.ConnectFrameworkFactory;

    // looked up by name and called reflectively by node's Main
    exports aQute.launcher.pre;
}
