package io.meshnode.core.internal.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Sets one key of an operator's {@code etc/*.cfg} file in place: the rest of the file (comments, order, other
 * keys) is left as the operator wrote it. FileInstall then applies the file as usual.
 */
public final class CfgFile {
    private CfgFile() {}

    public static void set(Path file, String key, String value) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : new ArrayList<>();
        Pattern active = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*[=:].*");
        Pattern commented = Pattern.compile("^\\s*#\\s*" + Pattern.quote(key) + "\\s*[=:].*");
        String line = key + " = " + value;
        int at = find(lines, active);
        if (at >= 0) {
            int end = endOf(lines, at);
            lines.subList(at, end).clear();
            lines.add(at, line);
        } else if ((at = find(lines, commented)) >= 0) {
            lines.add(endOf(lines, at), line);
        } else {
            lines.add(line);
        }
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        // Atomic: FileInstall polls the folder and must never read a half-written file.
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static int find(List<String> lines, Pattern p) {
        for (int i = 0; i < lines.size(); i++) {
            if (p.matcher(lines.get(i)).matches()) {
                return i;
            }
        }
        return -1;
    }

    /** @return the index after the logical line starting at {@code at} (a trailing backslash continues it) */
    private static int endOf(List<String> lines, int at) {
        int i = at;
        while (i < lines.size() && lines.get(i).endsWith("\\")) {
            i++;
        }
        return Math.min(i + 1, lines.size());
    }
}
