#!/usr/bin/env bash
# Prints what the in-framework run executed (bnd-testing prints no totals) and fails the build
# when nothing ran on one of the frameworks or anything failed.
# Arguments: the folder bnd-testing writes JUnit XML to (a folder per bndrun), "true" when the run was skipped on
# purpose, and the bndruns that must have reported (names without .bndrun, separated by spaces).
set -euo pipefail
reports=${1:?usage: summarize.sh <test-reports dir> [skipped] [bndruns]}
if [[ ${2:-false} == true ]]; then
    echo "[itest] in-framework tests SKIPPED on request (-Dbnd.testing.skip=true): none ran" >&2
    exit 0
fi

shopt -s globstar nullglob
# A framework that did not start writes no report: the other framework's report must not hide that.
for run in ${3:-}; do
    runs=("$reports/$run"/TEST-*.xml)
    if (( ${#runs[@]} == 0 )); then
        echo "[itest] no tests ran on $run.bndrun: no JUnit XML under $reports/$run (the framework did not start: see above)" >&2
        exit 1
    fi
done
files=("$reports"/**/TEST-*.xml)
if (( ${#files[@]} == 0 )); then
    echo "[itest] no tests ran: no JUnit XML under $reports (no Test-Cases in itest/bnd.bnd, or the framework did not start: see above)" >&2
    exit 1
fi

# Totals from the <testsuite> start tags; a failed test is the <testcase> before a <failure>/<error> tag.
awk '
    function attr(line, key) {
        return match(line, " " key "=\"[^\"]*\"") ? substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 4) : ""
    }
    /<testsuite / { tests += attr($0, "tests"); failures += attr($0, "failures")
                    errors += attr($0, "errors"); skipped += attr($0, "skipped") }
    /<testcase /  { test = attr($0, "classname") "." attr($0, "name") }
    /<(failure|error)[ >]/ { failed[++n] = unescape(test ": " attr($0 "\"", "message")) }
    function unescape(s) {
        gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&amp;/, "\\&", s)
        return s
    }
    END {
        printf "[itest] %d tests, %d failures, %d errors, %d skipped\n", tests, failures, errors, skipped
        for (i = 1; i <= n; i++) print "[itest] FAILED " failed[i]
        if (tests == 0) {
            print "[itest] no tests ran: check Test-Cases in itest/bnd.bnd and the JUnit version (5.11.x with bnd-testing 7.1.0)"
            exit 1
        }
        exit (failures + errors > 0)
    }
' "${files[@]}"
