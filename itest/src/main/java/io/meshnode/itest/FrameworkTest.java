package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;

/** Each run descriptor runs on the framework it names (itest.bndrun: Felix, itest-equinox.bndrun: Equinox). */
class FrameworkTest {
    @Test
    void runsOnTheFrameworkOfItsRunDescriptor(@InjectBundleContext BundleContext context) {
        assertEquals(context.getProperty("meshnode.itest.framework"), context.getBundle(0).getSymbolicName());
    }
}
