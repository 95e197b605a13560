#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ for a bounded time each (default 30 s)
# and prints one line per target: time, executions, corpus, result.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (installed on first use) and a C++ compiler. The stable
# toolchain is enough: RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Z flags.
# New corpus entries go to fuzz/corpus/<target>/ (ignored by git); the
# committed seeds in fuzz/seeds/<target>/ are only read. A crash leaves its
# input in fuzz/artifacts/<target>/ and makes the script exit 1; replay it
# with `cargo fuzz run <target> <file>` in fuzz/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(selector authorization sign_request pool_create pool_patch)
fi
case "$secs" in
    '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi

cargo fuzz build -O

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    echo "== $t: ${secs}s"
    status=ok
    # -timeout: one input taking over 10 s counts as a hang; -rss_limit_mb: a
    # leak or blow-up over 2 GiB counts as a crash.
    if ! cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$logs/$t" 2>&1; then
        status="CRASH (see fuzz/artifacts/$t/)"
        failed=1
        tail -40 "$logs/$t"
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -o 'cov: [0-9]*' "$logs/$t" | tail -1 | grep -o '[0-9]*' || echo '?')
    files=$(find "corpus/$t" -type f | wc -l)
    summary+=("$(printf '%-14s %5ss %12s execs  cov %6s  corpus %6s  %s' "$t" "$secs" "$execs" "$cov" "$files" "$status")")
done
echo
echo "target          time        executions  coverage        corpus  result"
printf '%s\n' "${summary[@]}"
exit "$failed"
