package io.meshnode.itest.mesh;

import java.time.Duration;

/**
 * The size of a benchmark run. A benchmark asked for by name ({@code -Dgroups=benchmark}, BENCHMARKS.md) runs at full
 * size and its figures are the ones recorded. With {@code -Dbench.smoke=true} (the build's {@code benchmark-smoke}
 * execution, part of {@code mvn -B verify}) each benchmark runs the same steps on a few nodes or links for a few
 * seconds, so that a change that stops one from completing fails the build instead of being found at the next
 * measurement; its {@code BENCH} lines then say "smoke" and are not measurements.
 */
final class BenchScale {
    static final boolean SMOKE = Boolean.getBoolean("bench.smoke");

    private BenchScale() {}

    /** @return {@code full} in a benchmark run, {@code smoke} in a smoke run */
    static int pick(int full, int smoke) {
        return SMOKE ? smoke : full;
    }

    /** @return {@code full} in a benchmark run, {@code smoke} in a smoke run */
    static Duration pick(Duration full, Duration smoke) {
        return SMOKE ? smoke : full;
    }

    /** @return the prefix of a result line: {@code "BENCH "}, or {@code "BENCH (smoke, not a measurement) "} */
    static String bench() {
        return SMOKE ? "BENCH (smoke, not a measurement) " : "BENCH ";
    }
}
