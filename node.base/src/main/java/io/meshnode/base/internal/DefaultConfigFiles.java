package io.meshnode.base.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.util.tracker.BundleTracker;

import io.meshnode.api.home.NodeHome;

/**
 * On first start, writes {@code etc/<pid>.cfg} for every {@code meshnode.*} configuration that a
 * bundle describes in its metatype, with every key commented out at its default and explained. Files
 * that exist are never touched: they belong to the operator.
 */
@Component(immediate = true)
public class DefaultConfigFiles {
    private final Logger log;
    private final MetaTypeService metatype;
    private final Path etc;
    private final BundleTracker<Bundle> tracker;

    @Activate
    public DefaultConfigFiles(BundleContext context, @Reference MetaTypeService metatype,
        @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.metatype = metatype;
        Path home = NodeHome.home(context);
        this.etc = home == null ? null : home.resolve("etc");
        this.tracker = new BundleTracker<>(context, Bundle.ACTIVE, null) {
            @Override
            public Bundle addingBundle(Bundle bundle, BundleEvent event) {
                write(bundle);
                return null; // nothing to track once written
            }
        };
        if (etc != null) {
            tracker.open();
        }
    }

    @Deactivate
    void deactivate() {
        tracker.close();
    }

    private void write(Bundle bundle) {
        MetaTypeInformation info = metatype.getMetaTypeInformation(bundle);
        if (info == null) {
            return;
        }
        for (String pid : info.getPids()) {
            if (!pid.startsWith("meshnode.")) {
                continue;
            }
            Path file = etc.resolve(pid + ".cfg");
            if (Files.exists(file)) {
                continue;
            }
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            StringBuilder text = new StringBuilder();
            text.append("# ").append(ocd.getName()).append(": ").append(ocd.getDescription()).append('\n');
            text.append("# Every key is shown at its default. Uncomment and edit to change it; changes apply live.\n");
            for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                String[] defaults = ad.getDefaultValue();
                String value = defaults == null || defaults.length == 0 ? "" : String.join(",", defaults);
                text.append('\n').append("# ").append(ad.getDescription()).append('\n');
                text.append('#').append(ad.getID()).append(" = ").append(value).append('\n');
            }
            try {
                Files.createDirectories(etc);
                Path tmp = Files.createTempFile(etc, pid, ".tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                log.info("wrote the default configuration {}", file);
            } catch (IOException e) {
                log.warn("cannot write {}: {}", file, e.getMessage());
            }
        }
    }
}
