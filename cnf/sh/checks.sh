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
