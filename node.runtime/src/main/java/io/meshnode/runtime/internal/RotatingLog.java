package io.meshnode.runtime.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An append-only text file that is rotated by size: when the next line would take it past {@code maxBytes},
 * {@code name} becomes {@code name.1}, {@code name.1} becomes {@code name.2} and so on up to {@code name.<keep>};
 * the oldest is deleted. A single line longer than the limit is still written whole.
 */
final class RotatingLog implements AutoCloseable {
    private final Path file;
    private long maxBytes;
    private int keep;
    private OutputStream out;
    private long size;

    RotatingLog(Path file, long maxBytes, int keep) throws IOException {
        this.file = file;
        limits(maxBytes, keep);
        Files.createDirectories(file.toAbsolutePath().getParent());
        open();
    }

    /** New limits apply from the next line on. */
    synchronized void limits(long maxBytes, int keep) {
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    synchronized void write(String line) throws IOException {
        byte[] bytes = (line + '\n').getBytes(StandardCharsets.UTF_8);
        if (size > 0 && size + bytes.length > maxBytes) {
            rotate();
        }
        out.write(bytes);
        out.flush();
        size += bytes.length;
    }

    private void open() throws IOException {
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(numbered(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(numbered(i))) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (keep > 0) {
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.delete(file);
        }
        open();
    }

    private Path numbered(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
