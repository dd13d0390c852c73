package io.meshnode.shell.internal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

import io.meshnode.api.mesh.BanDTO;

/** Formats bans for the console: a table with a caption for {@link BanTable}, one line per {@link BanDTO}. */
@Component(service = Converter.class, property = {
    Converter.CONVERTER_CLASSES + "=io.meshnode.api.mesh.BanDTO",
    Converter.CONVERTER_CLASSES + "=io.meshnode.shell.internal.BanTable"})
public class BanConverter implements Converter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private final ZoneId zone;

    public BanConverter() {
        this(ZoneId.systemDefault());
    }

    BanConverter(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (target instanceof BanTable t) {
            if (t.isEmpty()) {
                return t.empty();
            }
            StringBuilder b = new StringBuilder(t.caption()).append(" (").append(t.size()).append("):\n");
            b.append(String.format("%-39s  %-22s  %8s  %-19s  %s", "ADDRESS", "NODE-ID", "OFFENCES", "UNTIL", "LAST-OFFENCE"));
            for (BanDTO ban : t) {
                b.append('\n').append(line(ban));
            }
            return b;
        }
        if (target instanceof BanDTO ban) {
            return level == PART ? ban.address : line(ban);
        }
        return null;
    }

    private String line(BanDTO b) {
        // An id the source did not prove with its key is marked: anyone can claim anyone's id.
        String id = b.claimedId == null ? "-" : b.claimedId.substring(0, Math.min(12, b.claimedId.length()))
            + (b.idProven ? "" : " (claimed)");
        return String.format("%-39s  %-22s  %8d  %-19s  %s", b.address, id, b.offences,
            TIME.format(LocalDateTime.ofInstant(Instant.ofEpochMilli(b.until), zone)), b.reason);
    }
}
