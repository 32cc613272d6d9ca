# Sourced by scripts/run and scripts/test: where the tools and the built site are.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$REPO_ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
# What cargo-leptos tells the server at build time, for running the binary directly.
export LEPTOS_OUTPUT_NAME=instalytics
export LEPTOS_SITE_ROOT="$REPO_ROOT/target/site"
export LEPTOS_SITE_PKG_DIR=pkg
INSTALYTICS_BIN="$CARGO_TARGET_DIR/release/instalytics"
export INSTALYTICS_BIN

# The release site: the WASM split per page, every file precompressed with brotli and gzip.
# cargo-leptos' gzip (libflate) leaves the main WASM module 62 KB larger than `gzip -9`, which
# is what a browser without brotli gets, so the .gz files are made again with it.
build_site() {
  cargo leptos build --release --split --precompress
  find "$LEPTOS_SITE_ROOT" -name '*.gz' -print0 | while IFS= read -r -d '' gz; do
    gzip -9 -n -c "${gz%.gz}" > "$gz"
  done
}
