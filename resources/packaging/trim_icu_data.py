"""Rebuild the bundle's ICU data library without the parts of ICU that Qt never loads (build time only).

Qt's wheels link ICU, whose data library (libicudata.so.NN) is 32 MB: a fifth of the whole bundle. Qt uses
ICU for collation, case mapping, time-zone names and foreign text codecs; it never asks ICU for break
iterators, transliterators, unit, currency, language or region display names, spelled-out numbers, Unicode
character names, or (this app reads and writes only UTF-8) legacy converters. Those items are dropped;
everything else is copied byte for byte, so what Qt does ask for behaves exactly as before.

The data is one ICU "common data" package stored as the symbol icudtNN_dat: a header, a table of contents of
(name offset, data offset) pairs sorted by name, the names, then the items at 16-byte boundaries. The new
package keeps the header and the sorted order, and is linked into a library of the same soname.

Usage: python trim_icu_data.py LIBICUDATA   (rewrites it in place; needs readelf and a C compiler, $CC or cc)
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

DROPPED_TREES = ("brkitr", "translit", "unit", "curr", "lang", "region", "rbnf")
DROPPED_SUFFIXES = (".cnv",)
DROPPED_NAMES = ("unames.icu",)
ALIGNMENT = 16


def _readelf(*arguments: str | Path) -> str:
    command = ["readelf", *map(str, arguments)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def data_symbol(library: Path) -> tuple[str, bytes]:
    """The name and bytes of the icudtNN_dat symbol that holds the library's data package."""
    symbols = _readelf("-sW", "--dyn-syms", library)
    found = re.search(r"([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\w+\s+(\d+)\s+(icudt\d+_dat)\b",
                      symbols)
    if found is None:
        raise SystemExit(f"{library}: no icudtNN_dat data symbol")
    address, size, section, name = int(found[1], 16), int(found[2], 0), int(found[3]), found[4]
    for line in _readelf("-SW", library).splitlines():
        row = re.match(r"\s*\[\s*(\d+)\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if row and int(row[1]) == section:
            start = int(row[3], 16) + address - int(row[2], 16)
            return name, library.read_bytes()[start:start + size]
    raise SystemExit(f"{library}: section {section} of {name} not found")


def dropped(item: str) -> bool:
    """Whether an item name such as 'icudt73l/brkitr/word.brk' is of a kind Qt never loads."""
    parts = item.split("/")
    return (len(parts) > 2 and parts[1] in DROPPED_TREES) or item.endswith(DROPPED_SUFFIXES) or (
        parts[-1] in DROPPED_NAMES)


def trimmed_package(package: bytes) -> tuple[bytes, int, int]:
    """The package without the dropped items, with the number of items before and after."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", package, 0)
    if (magic1, magic2) != (0xDA, 0x27) or package[12:16] != b"CmnD":
        raise SystemExit("not an ICU common data package")
    toc = package[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    offsets = [struct.unpack_from("<II", toc, 4 + 8 * index) for index in range(count)]
    ends = [data for _, data in offsets[1:]] + [len(toc)]
    items = [(toc[name:toc.index(b"\0", name)], toc[data:end])
             for (name, data), end in zip(offsets, ends, strict=True)]
    kept = [(name, data) for name, data in items if not dropped(name.decode("ascii"))]

    names = b"".join(name + b"\0" for name, _ in kept)
    table_size = 4 + 8 * len(kept)
    position = table_size + len(names)
    table, body = [], b""
    name_offset = table_size
    for name, data in kept:
        padding = -(header_size + position) % ALIGNMENT
        body += b"\0" * padding
        position += padding
        table.append(struct.pack("<II", name_offset, position))
        body += data
        position += len(data)
        name_offset += len(name) + 1
    new_toc = struct.pack("<I", len(kept)) + b"".join(table) + names + body
    return package[:header_size] + new_toc, count, len(kept)


def link_library(symbol: str, package: bytes, soname: str, output: Path) -> None:
    """A shared library exporting the package as `symbol`, as ICU's own data library does."""
    with tempfile.TemporaryDirectory() as work:
        blob = Path(work) / "icudata.dat"
        blob.write_bytes(package)
        source = Path(work) / "icudata.S"
        source.write_text(
            f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign {ALIGNMENT}\n'
            f'{symbol}:\n\t.incbin "{blob}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n'
        )
        subprocess.run([os.environ.get("CC", "cc"), "-shared", "-nostdlib", f"-Wl,-soname,{soname}",
                        "-o", str(output), str(source)], check=True)


def main(library: Path) -> None:
    symbol, package = data_symbol(library)
    new_package, before, after = trimmed_package(package)
    with tempfile.TemporaryDirectory() as work:
        rebuilt = Path(work) / library.name
        link_library(symbol, new_package, library.name, rebuilt)
        shutil.copyfile(rebuilt, library)
    print(f"{library.name}: {before} -> {after} ICU data items, {len(package) / 1e6:.1f} -> "
          f"{len(new_package) / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    main(Path(sys.argv[1]))
