#!/usr/bin/env bash
# build.sh - build the email-manager wasm32-wasip2 component and its wasmtime host harness.
#
# Usage: ./build.sh [SUBCOMMAND] [ARGS...]
#   build (default)   toolchain + component + harness (dev profile); prints the component's path/size
#   component         toolchain + component only
#   test [ARGS...]    component, then `cargo test --workspace ARGS...` with EMAIL_MANAGER_WASM set,
#                     then the Node host's tests (host-harness/node: npm ci when needed, npm test)
#   demo [ARGS...]    build, then `email-harness demo ARGS...` with EMAIL_MANAGER_WASM set
#   bench [ARGS...]   build, then `email-harness bench-sync ARGS...` (the numbers in BENCHMARKS.md)
#   chaos [ARGS...]   build, then `email-harness chaos ARGS...` (e.g. --schedules 1000; the
#                     figures in RELIABILITY.md; a failing schedule prints its seed)
#   node-bench [ARGS...]
#                     build, then the Node host's first-sync benchmark beside the CLI's
#                     (`npm run bench -- ARGS...`, e.g. --latency-ms 0; figures in BENCHMARKS.md)
#   wit               component, then print its WIT with `email-harness wit`
#   wit --reference   rewrite README.md's WIT reference from the WIT sources
#   toolchain         only make sure a wasm32-wasip2 std is available; print the route used
#   fuzz [TARGET] [-- ARGS...]
#                     build the fuzz targets of tests/fuzz (cargo-fuzz, stable Rust, no sanitizer)
#                     and run TARGET, or every target one after the other, with libFuzzer ARGS
#                     (default: -max_total_time=60 each); see README.md, "Fuzzing"
#   -h, --help        this help
#
# The component is always copied to target/email-manager.wasm (EMAIL_MANAGER_WASM points there).
# The wasm32-wasip2 std comes from, in order: the installed rustup target, `rustup target add`,
# or Debian packages (rustc-web + its std source, built with -Zbuild-std) unpacked into
# .wasm-toolchain/ (git-ignored). EMAIL_MANAGER_TOOLCHAIN=offline forces the Debian route,
# EMAIL_MANAGER_TOOLCHAIN=rustup forbids it.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd -P)

COMPONENT_OUT=$ROOT/target/email-manager.wasm
WASM_TOOLCHAIN=$ROOT/.wasm-toolchain       # Debian toolchain: debs/ (downloads), root/ (unpacked)
OFFLINE_TARGET_DIR=$ROOT/target/wasm-offline
ROUTE=""                                   # set by ensure_toolchain

log() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# --- toolchain ---------------------------------------------------------------------------------

rustup_has_target() {
    command -v rustup >/dev/null 2>&1 || return 1
    # no `grep -q`: it can close the pipe early and make rustup fail under pipefail
    rustup target list --installed 2>/dev/null | grep -x wasm32-wasip2 >/dev/null
}

# Sets ROUTE to rustup-installed, rustup-downloaded or offline-debian.
ensure_toolchain() {
    local mode=${EMAIL_MANAGER_TOOLCHAIN:-auto}
    case $mode in
        auto | rustup | offline) ;;
        *) die "EMAIL_MANAGER_TOOLCHAIN must be 'rustup' or 'offline' (or unset), not '$mode'" ;;
    esac
    command -v cargo >/dev/null 2>&1 || die "cargo not found on PATH (install Rust with rustup)"

    if [[ $mode != offline ]]; then
        if rustup_has_target; then
            ROUTE=rustup-installed
            return
        fi
        if command -v rustup >/dev/null 2>&1; then
            log "wasm32-wasip2 std not installed; trying 'rustup target add wasm32-wasip2' (120 s max)"
            if timeout 120 rustup target add wasm32-wasip2 </dev/null >&2 && rustup_has_target; then
                ROUTE=rustup-downloaded
                return
            fi
            log "'rustup target add wasm32-wasip2' failed"
        else
            log "rustup not found"
        fi
        [[ $mode == rustup ]] && die "no wasm32-wasip2 std from rustup, and EMAIL_MANAGER_TOOLCHAIN=rustup forbids the Debian-package route"
        log "falling back to the offline toolchain from Debian packages"
    else
        log "EMAIL_MANAGER_TOOLCHAIN=offline: using the toolchain from Debian packages"
    fi
    ensure_offline_toolchain
    ROUTE=offline-debian
}

# Downloads (once) and unpacks (once) Debian's rustc-web, its std source, lld and wasi-libc into
# .wasm-toolchain/. Nothing is installed system-wide.
ensure_offline_toolchain() {
    local debs=$WASM_TOOLCHAIN/debs root=$WASM_TOOLCHAIN/root
    mkdir -p "$WASM_TOOLCHAIN"
    # one build.sh at a time in here
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$WASM_TOOLCHAIN/.lock"
        flock 9
    fi
    if [[ -f $WASM_TOOLCHAIN/root.complete && -x $root/usr/bin/rustc ]]; then
        log "offline toolchain already unpacked: .wasm-toolchain/root ($(<"$WASM_TOOLCHAIN/root.complete"))"
        return
    fi

    if [[ ! -f $debs/.complete ]]; then
        download_debs "$debs"
    else
        log "using the .debs already downloaded in .wasm-toolchain/debs ($(<"$debs/.complete"))"
    fi

    log "unpacking $(ls "$debs"/*.deb | wc -l) .debs into .wasm-toolchain/root"
    rm -rf "$root" "$root.tmp"
    mkdir -p "$root.tmp"
    local f
    for f in "$debs"/*.deb; do
        dpkg -x "$f" "$root.tmp" || die "dpkg -x failed on $f"
    done
    # -Zbuild-std only needs library/; drop the rest of the source tree (~370 MB)
    rm -rf "$root.tmp"/usr/src/rustc-*/src "$root.tmp"/usr/src/rustc-*/compiler
    [[ -x $root.tmp/usr/bin/rustc ]] || die "the unpacked packages contain no usr/bin/rustc"
    mv "$root.tmp" "$root"
    cp "$debs/.complete" "$WASM_TOOLCHAIN/root.complete"
    log "offline toolchain ready: $(<"$WASM_TOOLCHAIN/root.complete") in .wasm-toolchain/root"
}

download_debs() {
    local debs=$1 aptlog=$WASM_TOOLCHAIN/apt.log
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: the offline route needs a Debian/Ubuntu apt (or install the std with 'rustup target add wasm32-wasip2')"
    command -v dpkg >/dev/null 2>&1 || die "dpkg not found: the offline route needs dpkg to unpack the .debs"
    : >"$aptlog"
    export DEBIAN_FRONTEND=noninteractive

    log "apt-get update (log: .wasm-toolchain/apt.log)"
    if ! timeout 300 apt-get update </dev/null >>"$aptlog" 2>&1; then
        log "warning: apt-get update failed (not root? no network?); trying the package lists already present"
    fi

    local v majmin llvmv
    v=$(apt-cache policy rustc-web 2>/dev/null | awk '/Candidate:/{print $2}')
    [[ -n $v && $v != "(none)" ]] || die "apt has no rustc-web package (needs Debian 12 with bookworm-security, see .wasm-toolchain/apt.log)"
    majmin=${v%%.*}.$(echo "$v" | cut -d. -f2)
    llvmv=$(apt-cache show "rust-web-llvm=$v" 2>/dev/null | sed -n 's/^Depends:.*llvm-\([0-9][0-9]*\).*/\1/p' | head -n1)
    [[ -n $llvmv ]] || die "cannot tell which LLVM rust-web-llvm=$v depends on (apt-cache show rust-web-llvm=$v)"

    log "apt-get download rustc-web $v (std source, LLVM $llvmv, lld, wasi-libc: about 140 MB)"
    rm -rf "$debs"
    mkdir -p "$debs"
    if ! (cd "$debs" && timeout 600 apt-get download \
            "rustc-web=$v" "libstd-rust-web-$majmin=$v" "libstd-rust-web-dev=$v" \
            "rust-web-src=$v" "rust-web-llvm=$v" "libllvm$llvmv" "lld-$llvmv" wasi-libc \
            </dev/null >>"$aptlog" 2>&1); then
        tail -n 5 "$aptlog" | sed 's/^/    /' >&2
        die "apt-get download of the rustc-web $v packages failed (network or apt sources; log: .wasm-toolchain/apt.log)"
    fi
    echo "rustc-web $v" >"$debs/.complete"
}

# --- builds ------------------------------------------------------------------------------------

# Absolute target dir of the normal (rustup) cargo: honours CARGO_TARGET_DIR / build.target-dir.
native_target_dir() {
    local dir
    dir=$(cargo metadata --no-deps --format-version 1 2>/dev/null |
        grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4) || true
    echo "${dir:-$ROOT/target}"
}

build_component() {
    ensure_toolchain
    local target_dir start=$SECONDS
    log "building the component (route: $ROUTE)"
    if [[ $ROUTE == offline-debian ]]; then
        local r=$WASM_TOOLCHAIN/root llvm_bin libdir
        llvm_bin=$(ls -d "$r"/usr/lib/llvm-*/bin | tail -n1)
        libdir=$(dirname "$(ls "$r"/usr/lib/*/librustc_driver-*.so | head -n1)")
        target_dir=$OFFLINE_TARGET_DIR
        # Debian's rustc + the rustup cargo; RUSTFLAGS would override the per-target flags
        # below, so it is unset for this build only. Separate target dir: the native build's
        # fingerprints stay untouched.
        env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS \
            RUSTC="$r/usr/bin/rustc" \
            LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
            RUSTC_BOOTSTRAP=1 \
            PATH="$llvm_bin:$PATH" \
            CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="-L native=$r/usr/lib/wasm32-wasi" \
            CARGO_TARGET_DIR="$target_dir" \
            cargo build --release --target wasm32-wasip2 -p email-manager \
            -Zbuild-std=std,panic_abort
    else
        # Its own target directory: the harness's cargo, building at the same time, would
        # otherwise wait for this one's lock. The two share no artifact (release and wasm32
        # here, dev and native there).
        target_dir=$(native_target_dir)/component
        CARGO_TARGET_DIR="$target_dir" cargo build --release --target wasm32-wasip2 -p email-manager
    fi

    local artifact=$target_dir/wasm32-wasip2/release/email_manager.wasm
    [[ -f $artifact ]] || die "cargo finished but $artifact does not exist"
    mkdir -p "$(dirname "$COMPONENT_OUT")"
    cp "$artifact" "$COMPONENT_OUT"
    export EMAIL_MANAGER_WASM=$COMPONENT_OUT
    log "component built in $((SECONDS - start)) s: $COMPONENT_OUT ($(stat -c %s "$COMPONENT_OUT") bytes)"
}

# Runs the command "$@" while the component builds in the background, then waits for the
# component: on 2 cores, the harness's long single-crate compilations (Cranelift, wasmtime) and
# the component's codegen-units = 1 release build leave each other a core.
with_component() {
    build_component &
    local component=$!
    local status=0
    "$@" || status=$?
    if ((status != 0)); then
        kill "$component" 2>/dev/null || true
        wait "$component" 2>/dev/null || true
        return "$status"
    fi
    wait "$component" || die "the component did not build"
    export EMAIL_MANAGER_WASM=$COMPONENT_OUT
}

# The harness is built with the features of the whole workspace (`--workspace --bins` builds
# only the email-harness binary), the same as `cargo test --workspace` resolves them: with
# `-p email-harness` alone a few shared dependencies get other features, and the tests after the
# demo would compile much of wasmtime a second time.
build_harness() {
    log "building the harness (dev profile)"
    cargo build --workspace --bins
}

# Runs the built harness (not `cargo run -p email-harness`, which would resolve features apart).
harness() {
    "$(native_target_dir)/debug/email-harness" "$@"
}

print_component() {
    echo "component: $COMPONENT_OUT ($(stat -c %s "$COMPONENT_OUT") bytes)"
}

# --- Node host (host-harness/node) -------------------------------------------------------------

NODE_HOST=$ROOT/host-harness/node

# npm ci when node_modules is missing or older than the lockfile (cold: about 2 min, most of it
# compiling better-sqlite3 with node-gyp).
node_host_install() {
    command -v npm >/dev/null 2>&1 || die "npm not found on PATH (the Node host needs Node 20 and npm)"
    local stamp=$NODE_HOST/node_modules/.package-lock.json
    if [[ ! -f $stamp || $NODE_HOST/package-lock.json -nt $stamp ]]; then
        log "npm ci (host-harness/node)"
        (cd "$NODE_HOST" && npm ci --no-audit --no-fund)
    fi
}

# Runs the npm script $1 of the Node host (ARGS after it go to the script) against
# target/email-manager.wasm and the dev-profile email-harness (the sandbox it starts).
node_host() {
    local script=$1
    shift
    node_host_install
    (cd "$NODE_HOST" &&
        EMAIL_MANAGER_WASM=$COMPONENT_OUT \
        EMAIL_HARNESS_BIN="$(native_target_dir)/debug/email-harness" \
        npm run --silent "$script" -- "$@")
}

# --- fuzzing ---------------------------------------------------------------------------------

FUZZ_DIR=tests/fuzz
# The targets, each with the longest input it is fuzzed with (libFuzzer -max_len): about what
# the component meets in one call (a callback URL, a cursor, one API answer or message).
FUZZ_TARGETS=(
    oauth_callback:8192 token_response:16384 cursor:16384 gmail_message:65536
    gmail_history:65536 graph_delta:65536 gmail_batch:65536 graph_batch:65536
    mime_whole:65536 mime_parts:16384 outgoing:16384
)

# cargo-fuzz from crates.io; no nightly toolchain needed with --sanitizer none (the default
# here). EMAIL_MANAGER_FUZZ_SANITIZER=address builds with AddressSanitizer, whose -Zsanitizer
# flag stable rustc accepts with RUSTC_BOOTSTRAP=1.
fuzz() {
    local only="" sanitizer=${EMAIL_MANAGER_FUZZ_SANITIZER:-none}
    if [[ $# -gt 0 && $1 != -- ]]; then
        only=$1
        shift
    fi
    [[ ${1:-} == -- ]] && shift
    local args=("$@")
    [[ ${#args[@]} -gt 0 ]] || args=(-max_total_time=60)
    if ! cargo fuzz --version >/dev/null 2>&1; then
        log "cargo-fuzz not found; installing it (cargo install cargo-fuzz --locked)"
        cargo install cargo-fuzz --locked
    fi
    local bootstrap=()
    [[ $sanitizer == none ]] || bootstrap=(env RUSTC_BOOTSTRAP=1)
    local entry target max_len found=""
    for entry in "${FUZZ_TARGETS[@]}"; do
        target=${entry%%:*}
        max_len=${entry##*:}
        [[ -z $only || $only == "$target" ]] || continue
        found=1
        # New inputs go to the git-ignored corpus under target/; the seeds are only read.
        mkdir -p "$FUZZ_DIR/target/corpus/$target"
        log "fuzzing $target (-max_len=$max_len -timeout=10 ${args[*]})"
        # -O: the profile of tests/fuzz/Cargo.toml sets debug assertions and overflow checks.
        "${bootstrap[@]}" cargo fuzz run -O --fuzz-dir "$FUZZ_DIR" --sanitizer "$sanitizer" "$target" \
            "$FUZZ_DIR/target/corpus/$target" "$FUZZ_DIR/corpus/$target" \
            -- -max_len="$max_len" -timeout=10 "${args[@]}"
    done
    [[ -n $found ]] || die "no fuzz target '$only' (targets: ${FUZZ_TARGETS[*]%%:*})"
}

# --- main --------------------------------------------------------------------------------------

cmd=${1:-build}
[[ $# -gt 0 ]] && shift

case $cmd in
    build)
        with_component build_harness
        print_component
        ;;
    component)
        build_component
        print_component
        ;;
    test)
        # The Node host's packages install (npm ci, when needed) while the tests build: it
        # waits on the registry for much of its minute.
        node_host_install &
        npm_install=$!
        with_component cargo test --workspace --no-run "$@" || {
            status=$?
            wait "$npm_install" || true
            exit "$status"
        }
        wait "$npm_install" || die "npm ci (host-harness/node) failed"
        log "cargo test --workspace $*"
        cargo test --workspace "$@"
        # The Node tests start the sandbox from target/debug/email-harness, which the whole
        # workspace's tests have just built; `cargo build -p email-harness` would resolve the
        # features apart and compile much of wasmtime again (3 minutes cold), so it runs only
        # when the tests were narrowed by ARGS or the binary is missing.
        if [[ $# -gt 0 || ! -x $(native_target_dir)/debug/email-harness ]]; then
            build_harness
        fi
        log "npm test (host-harness/node)"
        node_host test
        ;;
    node-bench)
        with_component build_harness
        node_host bench "$@"
        ;;
    demo)
        with_component build_harness
        harness demo "$@"
        ;;
    bench)
        with_component build_harness
        harness bench-sync "$@"
        ;;
    chaos)
        with_component build_harness
        harness chaos "$@"
        ;;
    wit)
        if [[ ${1:-} == --reference ]]; then
            # the README's WIT reference, written from wit/ into README.md
            build_harness
            harness wit --reference --write README.md
        else
            with_component build_harness
            harness wit "$EMAIL_MANAGER_WASM"
        fi
        ;;
    toolchain)
        ensure_toolchain
        echo "$ROUTE"
        ;;
    fuzz)
        fuzz "$@"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage >&2
        die "unknown subcommand '$cmd'"
        ;;
esac
