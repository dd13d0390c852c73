package io.meshnode.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ArrivalsTest {
    @Test
    void keepsTheLastIntervalsOldestFirst() {
        Arrivals a = new Arrivals();
        assertArrayEquals(new long[0], a.toArray());
        a.add(5);
        a.add(7);
        assertArrayEquals(new long[] {5, 7}, a.toArray());
        for (long i = 0; i < Arrivals.CAPACITY + 10; i++) {
            a.add(i);
        }
        long[] kept = a.toArray();
        assertEquals(Arrivals.CAPACITY, kept.length);
        assertEquals(10, kept[0]);
        assertEquals(Arrivals.CAPACITY + 9, kept[kept.length - 1]);
    }
}
