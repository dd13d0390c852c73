package io.meshnode.shell.internal;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.function.Function;

/** Interface stubs answering by method name; any other method fails the test that called it. */
final class Stub {
    private Stub() {}

    static <T> T of(Class<T> type, Map<String, Function<Object[], Object>> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Function<Object[], Object> answer = answers.get(method.getName());
            if (answer == null) {
                throw new AssertionError("unexpected call " + type.getSimpleName() + "." + method.getName());
            }
            return answer.apply(args);
        }));
    }
}
