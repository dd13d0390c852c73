package io.meshnode.api.testing;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/** Builds component property types (the {@code @interface Config}s) the way SCR does, for unit tests. */
public final class Configs {
    private Configs() {}

    /**
     * @param type the config annotation type
     * @param values overrides by configuration key ({@code dial.grace}); every other method returns its default
     * @return a proxy that answers like SCR's
     */
    public static <T> T of(Class<T> type, Map<String, ?> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "annotationType": return type;
                case "toString": return type.getSimpleName() + values;
                case "hashCode": return values.hashCode();
                case "equals": return proxy == args[0];
                default:
                    String key = method.getName().replace('_', '.');
                    Object v = values.get(key);
                    return v != null ? v : method.getDefaultValue();
            }
        }));
    }

    /**
     * @param kv alternating keys and values
     * @return a mutable map of them
     */
    public static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
