#!/usr/bin/env bash
# Rebuilds the qemu-img samples of this folder from scratch, into the folder given as $1 (default: a
# new temporary folder), so that their provenance can be checked. Not run by the tests: qemu-img
# picks random content ids (CID), so the tests' expected values would change with every run.
set -euo pipefail
out=${1:-$(mktemp -d)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out/vmdk" "$out/qemu-img"
cd "$work"

qemu-img create -f raw base.raw 10M >/dev/null
printf 'hello' | dd of=base.raw bs=1 seek=1048576 conv=notrunc 2>/dev/null
for t in monolithicSparse monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat streamOptimized; do
  mkdir "$t"
  qemu-img convert -f raw -O vmdk -o subformat=$t base.raw "$t/disk.vmdk"
  (cd "$t" && qemu-img info --output=json disk.vmdk >"$out/qemu-img/info-$t.json" && qemu-img check --output=json disk.vmdk >"$out/qemu-img/check-$t.json")
done
mkdir snap && cp monolithicSparse/disk.vmdk snap/ && qemu-img create -f vmdk -b disk.vmdk -F vmdk snap/disk-000001.vmdk >/dev/null
(cd snap && qemu-img info --output=json disk-000001.vmdk >"$out/qemu-img/info-snapshot.json" && qemu-img info --output=json --backing-chain disk-000001.vmdk >"$out/qemu-img/info-snapshot-chain.json")
qemu-img create -f raw big.raw 4500M >/dev/null
mkdir big2gbs big2gbf
qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse,adapter_type=lsilogic big.raw big2gbs/big.vmdk
qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentFlat big.raw big2gbf/big.vmdk
(cd big2gbs && qemu-img info --output=json big.vmdk >"$out/qemu-img/info-twoGbMaxExtentSparse-3extents.json")
cp monolithicFlat/disk.vmdk "$out/vmdk/qemu-monolithicFlat.vmdk"
cp big2gbs/big.vmdk "$out/vmdk/qemu-twoGbMaxExtentSparse.vmdk"
cp big2gbf/big.vmdk "$out/vmdk/qemu-twoGbMaxExtentFlat.vmdk"

# Embedded descriptors: sectors 1-20 of the sparse files, NUL padding removed.
embedded() { dd if="$1" bs=512 skip=1 count=20 2>/dev/null | tr -d '\0' >"$2"; }
embedded monolithicSparse/disk.vmdk "$out/vmdk/qemu-monolithicSparse.embedded.vmdk"
embedded streamOptimized/disk.vmdk "$out/vmdk/qemu-streamOptimized.embedded.vmdk"
embedded snap/disk-000001.vmdk "$out/vmdk/qemu-delta-000001.embedded.vmdk"

# Heads: the first 64 KiB as hex rows, all-zero rows left out.
head_hex() {
  node -e '
    const fs = require("fs");
    const [file, title, target] = process.argv.slice(1);
    const size = fs.statSync(file).size;
    const head = fs.readFileSync(file).subarray(0, 65536);
    let text = `# ${title}\n# The first ${head.length} bytes of the file as hex rows of 16 bytes; all-zero rows are left out.\nfile-size: ${size}\nhead-size: ${head.length}\n`;
    for (let at = 0; at < head.length; at += 16) {
      const row = head.subarray(at, at + 16);
      if (row.some((b) => b !== 0)) text += `${at.toString(16).padStart(6, "0")}: ${row.toString("hex")}\n`;
    }
    fs.writeFileSync(target, text);
  ' "$1" "$2" "$3"
}
head_hex monolithicSparse/disk.vmdk "monolithicSparse disk.vmdk written by qemu-img $(qemu-img --version | head -1 | cut -d' ' -f3) (convert -O vmdk -o subformat=monolithicSparse), 10 MiB virtual" "$out/vmdk/qemu-monolithicSparse.head.hex"
head_hex streamOptimized/disk.vmdk "streamOptimized disk.vmdk written by qemu-img (convert -O vmdk -o subformat=streamOptimized), 10 MiB virtual" "$out/vmdk/qemu-streamOptimized.head.hex"
head_hex snap/disk-000001.vmdk "snapshot delta disk-000001.vmdk written by qemu-img (create -f vmdk -b disk.vmdk -F vmdk), parent disk.vmdk" "$out/vmdk/qemu-delta-000001.head.hex"
head_hex big2gbs/big-s003.vmdk "third extent big-s003.vmdk of a 4500 MiB twoGbMaxExtentSparse disk written by qemu-img" "$out/vmdk/qemu-twoGbMaxExtentSparse-s003.head.hex"

# qcow2 outputs: clean, compressed, encrypted, and two damaged by editing the refcount block.
qemu-img convert -f raw -O qcow2 -o compat=1.1 base.raw out.qcow2
qemu-img info --output=json out.qcow2 >"$out/qemu-img/info-qcow2.json"
qemu-img check --output=json out.qcow2 >"$out/qemu-img/check-qcow2-clean.json"
qemu-img create -f raw data.raw 4M >/dev/null
(yes 'hyper2kvm sample data line' || true) | head -c 3000000 | dd of=data.raw conv=notrunc 2>/dev/null
qemu-img convert -c -f raw -O qcow2 data.raw comp.qcow2
qemu-img check --output=json comp.qcow2 >"$out/qemu-img/check-qcow2-compressed.json"
qemu-img create -f qcow2 --object secret,id=sec0,data=pw -o encrypt.format=luks,encrypt.key-secret=sec0 enc.qcow2 1M >/dev/null
qemu-img info --output=json enc.qcow2 >"$out/qemu-img/info-qcow2-luks.json"
# The refcount block of this small image is at 128 KiB; 16-bit big-endian entries, one per cluster.
refcount() { cp out.qcow2 "$1"; printf "\\x00\\x$3" | dd of="$1" bs=1 seek=$((131072 + 2 * $2)) conv=notrunc 2>/dev/null; }
refcount corrupt.qcow2 5 00 && { qemu-img check --output=json corrupt.qcow2 >"$out/qemu-img/check-qcow2-corrupt.json" 2>/dev/null || true; }
refcount leak.qcow2 0 02 && { qemu-img check --output=json leak.qcow2 >"$out/qemu-img/check-qcow2-leak-only.json" 2>/dev/null || true; }
refcount both.qcow2 5 02 && { qemu-img check --output=json both.qcow2 >"$out/qemu-img/check-qcow2-leak-and-corruption.json" 2>/dev/null || true; }
qemu-img convert -p -f raw -O qcow2 data.raw progress.qcow2 >"$out/qemu-img/progress-convert.txt" 2>&1
echo "samples written to $out"
