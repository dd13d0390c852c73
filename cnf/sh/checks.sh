# Helpers shared by the shell tests (node's dist-test.sh and local-test.sh, karaf-test.sh, image-test.sh); sourced.
# The sourcing script sets check_name (the prefix of its lines) and passed=0 failed=0, and ends with
#   echo "$check_name: $passed passed, $failed failed"; ((failed == 0))

# check DESCRIPTION COMMAND...: counts and prints the command's outcome
check() {
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "$check_name: ok   $what"
    else
        failed=$((failed + 1))
        echo "$check_name: FAIL $what"
    fi
}

# until_true TIMEOUT COMMAND...: true as soon as the command is, false after TIMEOUT seconds
until_true() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# jdk_feature JDK_HOME: the Java feature version of that JDK (17, 25, ...) from its release file; 0 when unknown
jdk_feature() {
    local v
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
    echo "${v:-0}"
}

# newest_jdk MIN MAX: the home of the newest JDK under /usr/lib/jvm whose feature version is MIN to MAX; empty if none
newest_jdk() {
    local release v best= best_v=0
    for release in /usr/lib/jvm/*/release; do
        v=$(jdk_feature "${release%/release}")
        if ((v >= $1 && v <= $2 && v > best_v)); then best=${release%/release} best_v=$v; fi
    done
    echo "$best"
}
