package io.meshnode.itest.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a suite measured: printed as {@code [tag]} lines as it goes, summed up at the end and written to
 * {@code target/<file>} (FAULTS.md records them).
 */
final class Figures {
    private final String tag;
    private final String file;
    private final Map<String, List<String>> sections = new LinkedHashMap<>();

    Figures(String tag, String file) {
        this.tag = tag;
        this.file = file;
    }

    /** A figure of a section (a scenario), or of the run itself when {@code section} is empty. */
    void record(String section, String figure) {
        System.out.println("[" + tag + "] " + (section.isEmpty() ? "" : section + ": ") + figure);
        sections.computeIfAbsent(section, k -> new ArrayList<>()).add(figure);
    }

    /** Prints every figure once more and writes them to target/; nothing when nothing was measured. */
    void write() throws IOException {
        if (sections.isEmpty()) {
            return;
        }
        StringBuilder all = new StringBuilder();
        sections.forEach((section, lines) -> {
            String indent = section.isEmpty() ? "" : "    ";
            if (!section.isEmpty()) {
                all.append(section).append('\n');
            }
            lines.forEach(l -> all.append(indent).append(l).append('\n'));
        });
        System.out.println("[" + tag + "] ===== figures =====\n" + all);
        Files.writeString(Path.of("target", file), all);
    }
}
