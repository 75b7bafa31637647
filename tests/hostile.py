"""Builders of hostile and malformed uploads, made in code (no file is shipped).

Used by ``tests/test_hostile_files.py`` and ``bench/bench_hostile.py``. Each builder
returns the file's bytes; the xlsx ones write the zip parts by hand so that the file is
exactly as hostile as intended (openpyxl would tidy it up).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import openpyxl

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
HEADERS = ["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型", "结算存款(元)"]


def _content_types(sheets: int = 1) -> bytes:
    overrides = b"".join(
        b'<Override PartName="/xl/worksheets/sheet%d.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1)
        for i in range(sheets)
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + overrides
        + b"</Types>"
    )


ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)


def _workbook(date1904: bool = False) -> bytes:
    pr = b'<workbookPr date1904="1"/>' if date1904 else b"<workbookPr/>"
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b"<workbook "
        + NS
        + b" "
        + NS_R
        + b">"
        + pr
        + b"<sheets>"
        + '<sheet name="管户明细" sheetId="1" r:id="rId1"/>'.encode()
        + b"</sheets></workbook>"
    )


WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _text_cell(ref: str, text: str) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'.encode()


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_row(headers=HEADERS, row: int = 1) -> bytes:
    """A ``<row>`` of inline-string header cells."""
    cells = b"".join(_text_cell(f"{_letters(j)}{row}", h) for j, h in enumerate(headers))
    return b'<row r="%d">' % row + cells + b"</row>"


def data_row(values, row: int) -> bytes:
    """A ``<row>`` of cells: str → inline string, numbers → ``<v>``."""
    cells = []
    for j, value in enumerate(values):
        ref = f"{_letters(j)}{row}"
        if isinstance(value, str):
            cells.append(_text_cell(ref, value))
        elif value is not None:
            cells.append(f'<c r="{ref}"><v>{value}</v></c>'.encode())
    return b'<row r="%d">' % row + b"".join(cells) + b"</row>"


def sheet_xml(rows: bytes, dimension: str | None = None, prolog: bytes = b"") -> bytes:
    """A worksheet part around ``rows`` (already ``<row>`` elements)."""
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + b"<worksheet "
        + NS
        + b">"
        + dim
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def xlsx(sheet: bytes, extra: dict[str, bytes] | None = None, date1904: bool = False, level: int = 6) -> bytes:
    """A minimal workbook of one sheet part (plus ``extra`` parts, referenced by nothing)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        out.writestr("[Content_Types].xml", _content_types())
        out.writestr("_rels/.rels", ROOT_RELS)
        out.writestr("xl/workbook.xml", _workbook(date1904))
        out.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        out.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return buffer.getvalue()


def good_rows(n: int = 3, start: int = 2, branch: str = "城关支行") -> bytes:
    """``n`` valid customer rows."""
    return b"".join(
        data_row([f"H{i:04d}", f"测试客户{i}", "M01", branch, "非授信", 100 + i], start + i) for i in range(n)
    )


def far_cell(ref: str) -> bytes:
    """A small valid customers sheet plus one number cell at ``ref`` (e.g. XFD1048576), no dimension."""
    column = ref.rstrip("0123456789")
    row = int(ref[len(column) :])
    rows = header_row() + good_rows() + b'<row r="%d"><c r="%s"><v>1</v></c></row>' % (row, ref.encode())
    return xlsx(sheet_xml(rows))


def declared_dimension(ref: str) -> bytes:
    """A small valid sheet whose ``<dimension>`` claims ``A1:<ref>``."""
    return xlsx(sheet_xml(header_row() + good_rows(), dimension=f"A1:{ref}"))


def _raw_zip_entry(name: str, chunk: bytes, repeat: int, tail: bytes) -> tuple[bytes, bytes, int, int, int]:
    """A deflated entry of ``chunk × repeat + tail`` built without holding the uncompressed text.

    Each chunk is compressed once after a full flush (which resets the dictionary), so the
    same compressed block can be repeated; CRC-32 is computed over the repetitions.
    """
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    head = compressor.compress(b"") + compressor.flush(zlib.Z_FULL_FLUSH)
    block = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = block.compress(chunk) + block.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(6, zlib.DEFLATED, -15)
    end = final.compress(tail) + final.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(repeat):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(chunk) * repeat + len(tail)
    return head + body * repeat + end, name.encode(), crc, size, len(head) + len(body) * repeat + len(end)


def zip_from_entries(entries: list[tuple[str, bytes]], raw: list[tuple[bytes, bytes, int, int, int]]) -> bytes:
    """A zip of ordinary ``entries`` (name, data) and pre-deflated ``raw`` entries, written by hand."""
    out = io.BytesIO()
    central = []
    items = []
    for name, data in entries:
        compressed = zlib.compress(data, 6)[2:-4]
        items.append((compressed, name.encode(), zlib.crc32(data), len(data), len(compressed)))
    items.extend(raw)
    for compressed, name, crc, size, csize in items:
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, size, len(name), 0) + name)
        out.write(compressed)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                csize,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def ratio_bomb(target_bytes: int = 1_900_000_000, seed: int = 17) -> bytes:
    """A ~16 MB xlsx at about 120:1 that unpacks to ``target_bytes`` of dense, valid rows (no dimension).

    Every size and ratio stays under the former caps (2 GB unpacked, 200:1 per part).
    """
    rng = random.Random(seed)
    rows = []
    for _ in range(256):
        cells = b"".join(
            b"<c><v>%d</v></c>" % rng.randrange(10**6) if rng.random() < 0.0082 else b"<c><v>1</v></c>"
            for _ in range(40)
        )
        rows.append(b"<row>" + cells + b"</row>")
    chunk = b"".join(rows)
    head = sheet_xml(header_row()).split(b"</sheetData>")[0]
    tail = b"</sheetData></worksheet>"
    repeat = (target_bytes - len(head) - len(tail)) // len(chunk)
    sheet = _raw_zip_entry("xl/worksheets/sheet1.xml", chunk, repeat, tail)
    # the head goes in front of the repeated block: compress it into the entry's first block
    compressed, name, _, _, _ = sheet
    first = zlib.compressobj(6, zlib.DEFLATED, -15)
    head_block = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(chunk) * repeat + len(tail)
    sheet = (head_block + compressed, name, crc, size, len(head_block) + len(compressed))
    entries = [
        ("[Content_Types].xml", _content_types()),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", _workbook()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]
    return zip_from_entries(entries, [sheet])


def empty_cells_bomb(target_bytes: int = 1_900_000_000) -> bytes:
    """A ~2 MB xlsx whose sheet unpacks to ``target_bytes`` of empty ``<c/>`` cells: slow to read, little to hold."""
    chunk = (b"<row>" + b"<c/>" * 200 + b"</row>") * 64
    head = sheet_xml(header_row()).split(b"</sheetData>")[0]
    tail = b"</sheetData></worksheet>"
    repeat = (target_bytes - len(head) - len(tail)) // len(chunk)
    compressed, name, _, _, _ = _raw_zip_entry("xl/worksheets/sheet1.xml", chunk, repeat, tail)
    first = zlib.compressobj(6, zlib.DEFLATED, -15)
    head_block = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    sheet = (
        head_block + compressed,
        name,
        crc,
        len(head) + len(chunk) * repeat + len(tail),
        len(head_block) + len(compressed),
    )
    entries = [
        ("[Content_Types].xml", _content_types()),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", _workbook()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]
    return zip_from_entries(entries, [sheet])


def quadratic_part(size: int = 470_000) -> bytes:
    """A valid small workbook with an extra, unreferenced worksheet part of open ``<c>`` formula cells."""
    unit = b'<c r="A1"><f>SUM(B1)</f>'
    pathological = sheet_xml(unit * (size // len(unit)))
    return xlsx(sheet_xml(header_row() + good_rows()), extra={"xl/worksheets/sheet2.xml": pathological})


def entity_late() -> bytes:
    """A sheet whose entity declarations come after 4 KB of comment (past the old 4 KB look)."""
    prolog = b"<!--" + b" " * 5000 + b'--><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return xlsx(sheet_xml(header_row() + good_rows(), prolog=prolog))


def external_entity() -> bytes:
    """A sheet that pulls ``/etc/passwd`` through an external entity."""
    prolog = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = header_row() + data_row(["H1", "&xxe;", "M01", "城关支行", "非授信", 1], 2).replace(b"&amp;xxe;", b"&xxe;")
    return xlsx(sheet_xml(rows, prolog=prolog))


def entity_bomb() -> bytes:
    """The billion laughs in the shared strings' place (inside the sheet)."""
    prolog = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    return xlsx(sheet_xml(header_row() + good_rows(), prolog=prolog))


def deflate_bomb() -> bytes:
    """60 MB of spaces in one part: a ratio of about 1000:1."""
    return xlsx(sheet_xml(header_row() + good_rows() + b"<!--" + b" " * 60_000_000 + b"-->"))


def bad_crc() -> bytes:
    """A valid workbook whose sheet part's CRC-32 is wrong (in both headers)."""
    data = bytearray(xlsx(sheet_xml(header_row() + good_rows())))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    wrong = struct.pack("<I", (info.CRC ^ 0xDEADBEEF) & 0xFFFFFFFF)
    data[info.header_offset + 14 : info.header_offset + 18] = wrong
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        name_len = struct.unpack("<H", data[pos + 28 : pos + 30])[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == b"xl/worksheets/sheet1.xml":
            data[pos + 16 : pos + 20] = wrong
        pos += 4
    return bytes(data)


def openpyxl_bytes(rows: list[list], title: str = "管户明细", epoch=None, formats: dict | None = None) -> bytes:
    """An ordinary workbook written by openpyxl (``formats``: column letter → number format)."""
    book = openpyxl.Workbook()
    if epoch is not None:
        book.epoch = epoch
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for letter, number_format in (formats or {}).items():
        for cell in sheet[letter]:
            cell.number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- OLE2 compound files: an encrypted OOXML package and a corrupt one ------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal, valid OLE2 compound file (512-byte sectors) holding ``streams`` in its root.

    Streams are stored in regular sectors (each padded to at least 4,096 bytes so no
    mini stream is needed).
    """
    sector = 512
    names = list(streams)
    payloads = [streams[n].ljust(4096, b"\0") for n in names]
    sectors: list[bytes] = []
    chains: list[tuple[int, int]] = []
    for payload in payloads:
        start = len(sectors)
        for i in range(0, len(payload), sector):
            sectors.append(payload[i : i + sector].ljust(sector, b"\0"))
        chains.append((start, len(sectors) - start))
    entries = [("Root Entry", 5, _END, 0)] + [(n, 2, chains[i][0], len(streams[n])) for i, n in enumerate(names)]
    directory = b""
    for index, (name, kind, start, size) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        left = right = child = _FREE
        if index == 0:
            child = 1 if len(entries) > 1 else _FREE
        elif index + 1 < len(entries):
            right = index + 1  # a degenerate (list-shaped) red-black tree is still a valid one
        directory += (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)[: 4 + 8]
        ).ljust(128, b"\0")
    while len(directory) % sector:
        directory += (b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, _FREE, _FREE, _FREE)).ljust(128, b"\0")
    dir_start = len(sectors)
    dir_sectors = [directory[i : i + sector] for i in range(0, len(directory), sector)]
    sectors.extend(dir_sectors)
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (sector // 4):
        n_fat += 1
    fat_start = len(sectors)
    fat = [_FREE] * (n_fat * (sector // 4))
    for start, count in chains:
        for i in range(count):
            fat[start + i] = start + i + 1 if i + 1 < count else _END
    for i in range(len(dir_sectors)):
        fat[dir_start + i] = dir_start + i + 1 if i + 1 < len(dir_sectors) else _END
    for i in range(n_fat):
        fat[fat_start + i] = _FAT
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors.extend(fat_bytes[i : i + sector] for i in range(0, len(fat_bytes), sector))
    difat = [fat_start + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<I", 0)  # directory sectors (0 for version 3)
        + struct.pack("<I", n_fat)
        + struct.pack("<I", dir_start)
        + struct.pack("<I", 0)  # transaction signature
        + struct.pack("<I", 4096)  # mini stream cutoff
        + struct.pack("<I", _END)  # first mini FAT sector
        + struct.pack("<I", 0)  # mini FAT sectors
        + struct.pack("<I", _END)  # first DIFAT sector
        + struct.pack("<I", 0)  # DIFAT sectors
        + struct.pack("<109I", *difat)
    )
    assert len(header) == 512, len(header)
    return header + b"".join(sectors)


def encrypted_ooxml() -> bytes:
    """What Excel saves for a workbook with an open password: an OLE2 file with EncryptionInfo and EncryptedPackage."""
    rng = random.Random(5)
    info = struct.pack("<HHI", 4, 4, 0x40) + bytes(rng.randrange(256) for _ in range(200))
    package = struct.pack("<Q", 8000) + bytes(rng.randrange(256) for _ in range(8000))
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package})


def corrupt_ole2() -> bytes:
    """An OLE2 signature followed by junk: a damaged legacy .xls."""
    rng = random.Random(9)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(6000))
