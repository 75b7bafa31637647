"""File → sheets of raw cell values, with the format identified by its bytes.

:func:`read` is what the rest of the package calls: it parses the file in a bounded
worker process (:mod:`puhui.sandbox`), so a hostile file can crash, balloon or stall only
that worker. Everything else here runs inside the worker: xlsx and xls are read with
python-calamine (a Rust reader, 13× faster than openpyxl here), CSV with the standard
library after the encoding is detected. Hostile files are refused before parsing where
their bytes give them away: zip bombs (declared sizes against a budget, compression
ratios), XML with a DTD (entity bombs, external entities), declared sheet ranges beyond
the caps, encrypted workbooks. Formula cells without a cached value are reported by
address rather than read as empty; that scan streams each part once (linear time).
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from . import settings

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_SCAN_CHUNK = 4 << 20


class ReadError(Exception):
    """A file that cannot be read as an extract; the message is for the user, in Chinese."""


@dataclass
class Sheet:
    """One table's raw cells: rows of Python values (str, float, int, bool, date, None)."""

    file: str
    name: str
    rows: list[list]
    warnings: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    # The same cells as a 2-D object array (ragged rows padded with None), when the reader
    # built one: the normaliser slices columns from it instead of rebuilding it from ``rows``.
    grid: object = field(default=None, repr=False, compare=False)


def sniff(data: bytes) -> str:
    """The format of ``data`` judged by its bytes: 'xlsx', 'xls', 'html', 'csv' or 'binary'."""
    head = data[:2048]
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00").lower()
    if stripped.startswith(
        (b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head", b"<body")
    ) or b"<table" in head.lower().replace(b"\x00", b""):
        return "html"
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A stray NUL or control character in a text export is a bad cell (reported by row);
        # many of them, as in any binary file, are not text at all.
        controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
        if head.count(b"\x00") > max(2, len(head) // 100) or controls > max(4, len(head) // 50):
            return "binary"
    return "csv"


def read(file_name: str, data: bytes) -> list[Sheet]:
    """Read every sheet of an uploaded file; raise :class:`ReadError` with a Chinese message.

    The parse runs in a worker process with a memory cap and a time limit
    (``parse_memory_mb``, ``parse_timeout_s``); the size checks run here first.
    """
    from . import sandbox

    max_bytes = settings.get("max_upload_bytes")
    if len(data) > max_bytes:
        raise ReadError(f"文件大小 {len(data) / 1048576:.1f} MB 超过上限 {max_bytes / 1048576:.0f} MB")
    if not data:
        raise ReadError("文件为空（0 字节）")
    sheets, warnings = sandbox.parse(file_name, data)
    return [
        Sheet(file_name, name, rows, [tuple(w) for w in warnings.get(name, [])], grid) for name, rows, grid in sheets
    ]


def parse_sheets(file_name: str, data: bytes, emit, progress=lambda name: None) -> dict[str, list]:
    """Parse ``data`` in this process (the worker's side of :func:`read`).

    Calls ``emit(sheet_name, height, width, rows)`` for each sheet (``rows`` an iterable
    of lists) and ``progress(sheet_name)`` before a sheet is parsed; returns the
    warnings per sheet name. Unbounded: only a sandboxed worker should call this.
    """
    kind = sniff(data)
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if kind == "html":
        raise ReadError(
            "该文件实际是网页(HTML)格式，并不是真正的 Excel 文件（核心系统常把网页表格存成 .xls）。"
            "请用 Excel 打开后“另存为” .xlsx 再导入。"
        )
    if kind == "binary":
        raise ReadError("无法识别的文件格式：不是 Excel（.xlsx/.xls）也不是 CSV 文本文件")
    if kind == "csv":
        if suffix in {"xlsx", "xlsm", "xls"}:
            raise ReadError(
                f"文件扩展名是 .{suffix}，但内容是纯文本（CSV/文本），不是 Excel 文件。"
                "如确为 CSV，请将扩展名改为 .csv 后再导入，或用 Excel 打开后另存为 .xlsx。"
            )
        rows = read_csv_rows(data)
        emit("", len(rows), max((len(r) for r in rows), default=0), rows)
        return {}
    if kind == "xls":
        _check_ole2(data)
        return _parse_workbook(data, None, emit, progress)
    parts = check_xlsx(data)
    # python-calamine releases the GIL while it parses, so the part scan (mostly zlib,
    # which releases it too) runs beside it on the second core instead of after it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(scan_parts, data, parts)
        return _parse_workbook(data, scan, emit, progress)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _check_range(where: str, rows: int, cols: int) -> None:
    max_rows, max_cols, max_cells = settings.get("max_rows"), settings.get("max_cols"), settings.get("max_cells")
    if rows > max_rows or cols > max_cols:
        raise ReadError(f"{where}为 {rows:,} 行 × {cols:,} 列，超过上限 {max_rows:,} 行 × {max_cols:,} 列，已拒绝")
    if rows * cols > max_cells:
        raise ReadError(
            f"{where}为 {rows:,} 行 × {cols:,} 列，共 {rows * cols:,} 个单元格，超过上限 {max_cells:,} 个，已拒绝。"
            "请删除多余的行列（如远处的空白格式或孤立的单元格），或按支行拆分后分别导入"
        )


def check_xlsx(data: bytes) -> list[str]:
    """Refuse zip bombs (declared sizes against a budget, ratios), DTDs and oversized declared ranges.

    Reads only the zip directory and the first 4 KB of each part; returns the worksheet
    part names the workbook refers to (for the full scan).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, struct.error) as exc:
        raise ReadError("文件是损坏的压缩包，不是有效的 .xlsx 文件") from exc
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ReadError("该压缩文件不是 Excel 工作簿（缺少 xl/ 目录），请确认导出的是 .xlsx")
    if any(i.flag_bits & 0x1 for i in infos):
        raise ReadError("压缩包中的内容已加密，无法读取；请在 Excel 中取消密码后另存再导入")
    max_total = settings.get("max_unzipped_bytes")
    max_ratio = settings.get("max_zip_ratio")
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise ReadError(
            f"文件解压后达 {total / 1048576:,.0f} MB，超过上限 {max_total / 1048576:,.0f} MB"
            f"（压缩比约 {total / max(len(data), 1):,.0f}:1），疑似压缩炸弹，已拒绝"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > max_ratio:
            raise ReadError(f"文件中 {info.filename} 的压缩比达 {ratio:,.0f}:1，疑似压缩炸弹，已拒绝")
    parts = _sheet_part_names(archive)
    worksheets = {part for _, part in parts} or {
        n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
    }
    for info in infos:
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as part:
                head = part.read(4096)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise _damaged(info.filename, exc) from exc
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise ReadError(f"文件中 {info.filename} 含有 DTD/实体声明（可能是 XML 实体炸弹或外部实体），已拒绝")
        dimension = re.search(rb'<dimension ref="\$?([A-Z]+)\$?([0-9]+)(?::\$?([A-Z]+)\$?([0-9]+))?"', head)
        if dimension and info.filename in worksheets:
            first_col, first_row = _column_number(dimension.group(1).decode()), int(dimension.group(2))
            last_col = _column_number(dimension.group(3).decode()) if dimension.group(3) else first_col
            last_row = int(dimension.group(4)) if dimension.group(4) else first_row
            # calamine pads from A1, so the range that costs memory starts there
            _check_range("工作表声明的范围", max(first_row, last_row), max(first_col, last_col))
    return sorted(worksheets)


def _damaged(part: str, exc: BaseException) -> ReadError:
    if "CRC" in str(exc):
        return ReadError(f"文件已损坏：压缩包中的 {part} 校验失败（CRC 错误），请重新导出或重新下载该文件")
    return ReadError(f"文件已损坏：压缩包中的 {part} 无法解压，请重新导出或重新下载该文件")


def scan_parts(data: bytes, worksheets: list[str]) -> dict[str, list[str]]:
    """Stream every XML part once: refuse DTDs anywhere and damaged parts; list formulas without a value.

    Returns, per worksheet part, the addresses of formula cells without a cached value.
    Linear in the size of the parts, and holding one chunk of each at a time.
    """
    archive = zipfile.ZipFile(io.BytesIO(data))
    wanted = set(worksheets)
    formulas: dict[str, list[str]] = {}
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        scanner = _FormulaScan() if info.filename in wanted else None
        tail = b""
        try:
            with archive.open(info) as part:
                while True:
                    chunk = part.read(_SCAN_CHUNK)
                    window = tail + chunk
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise ReadError(
                            f"文件中 {info.filename} 含有 DTD/实体声明（可能是 XML 实体炸弹或外部实体），已拒绝"
                        )
                    if scanner is not None:
                        scanner.feed(chunk, final=not chunk)
                    if not chunk:
                        break
                    tail = chunk[-16:]
        except ReadError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise _damaged(info.filename, exc) from exc
        if scanner is not None and scanner.missing:
            formulas[info.filename] = scanner.missing
    return formulas


def scan_formulas(data: bytes) -> dict[str, list[str]]:
    """Formula cells without a cached value, per worksheet part name (every worksheet part)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    return scan_parts(data, names)


_FORMULA = re.compile(rb"<f[\s>/]")
_CELL_START = re.compile(rb"<c[\s>/]")
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


class _FormulaScan:
    """Finds formula cells without a cached value in a worksheet part fed in chunks.

    Every search starts where the previous one ended (or is bounded by it), so the work
    is linear in the part's size whatever its shape: an unclosed ``<c>`` can no longer
    send a lazy regex to the end of the part once per cell.
    """

    def __init__(self) -> None:
        self.missing: list[str] = []
        self.carry = b""

    def feed(self, chunk: bytes, final: bool) -> None:
        """Scan ``chunk`` (after what was carried over); ``final`` on the empty last call."""
        buf = self.carry + chunk
        pos = 0
        next_close = next_open = -2  # -2: not looked for yet; -1: none in this buffer
        resume = None
        while True:
            match = _FORMULA.search(buf, pos)
            if match is None:
                break
            f = match.start()
            start = buf.rfind(b"<c", pos, f)
            if next_close != -1 and next_close < f:
                next_close = buf.find(b"</c>", f)
            if next_open != -1 and next_open < f:
                found = _CELL_START.search(buf, f)
                next_open = found.start() if found else -1
            ends = [e for e in (next_close + 4 if next_close >= 0 else -1, next_open) if e >= 0]
            if not ends:
                if not final:
                    resume = start if start >= 0 else f
                    break
                end = len(buf)
            else:
                end = min(ends)
            cell = buf[start if start >= 0 else f : end]
            if not _has_value(cell):
                ref = _REF.search(cell, 0, cell.find(b">") + 1 if start >= 0 else 0)
                self.missing.append(ref.group(1).decode() if ref else "?")
            pos = end
        if final:
            self.carry = b""
        elif resume is not None:
            if len(buf) - resume > 64 << 20:
                raise ReadError("工作表中有异常庞大的单元格（超过 64 MB），文件可能是恶意构造的，已拒绝")
            self.carry = buf[resume:]
        else:
            # A cell whose start is near the end may have its formula in the next chunk.
            last = buf.rfind(b"<c", max(pos, len(buf) - 65536))
            self.carry = buf[last:] if last >= 0 else buf[-16:]


def _has_value(cell: bytes) -> bool:
    if b"<is>" in cell:
        return True
    v = cell.find(b"<v>")
    if v < 0:
        return False
    close = cell.find(b"</v>", v)
    return bool(cell[v + 3 : close if close >= 0 else len(cell)].strip())


def _sheet_part_names(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) in workbook order (for mapping formula warnings to sheet names)."""
    try:
        workbook = archive.read("xl/workbook.xml")[: 4 << 20].decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels")[: 4 << 20].decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        return []
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts = []
    for sheet_name, rid in re.findall(r'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets.get(rid, "").lstrip("/")
        sheet_name = (
            sheet_name.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&apos;", "'")
        )
        parts.append((sheet_name, target if target.startswith("xl/") else f"xl/{target}"))
    return parts


def _ole2_names(data: bytes, limit: int = 4096) -> set[str]:
    """Stream and storage names in an OLE2 compound file's directory (empty when unreadable)."""
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            return set()
        size = 1 << shift
        per_sector = size // 4
        n_fat, dir_start = struct.unpack_from("<II", data, 0x2C)
        difat_start, n_difat = struct.unpack_from("<II", data, 0x44)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector, hops = difat_start, 0
        while sector < 0xFFFFFFFA and hops < min(n_difat, limit):
            entries = struct.unpack_from(f"<{per_sector}I", data, (sector + 1) * size)
            difat.extend(entries[:-1])
            sector, hops = entries[-1], hops + 1
        fat: list[int] = []
        for fat_sector in difat[: min(n_fat, limit)]:
            if fat_sector >= 0xFFFFFFFA:
                break
            fat.extend(struct.unpack_from(f"<{per_sector}I", data, (fat_sector + 1) * size))
        names: set[str] = set()
        sector, seen = dir_start, set()
        while sector < len(fat) and sector not in seen and len(seen) < limit:
            seen.add(sector)
            offset = (sector + 1) * size
            for k in range(size // 128):
                entry = data[offset + 128 * k : offset + 128 * (k + 1)]
                if len(entry) < 128:
                    break
                length = struct.unpack_from("<H", entry, 64)[0]
                if 2 <= length <= 64 and entry[66] in (1, 2, 5):
                    names.add(entry[: length - 2].decode("utf-16-le", "replace"))
            sector = fat[sector]
        return names
    except (struct.error, IndexError):
        return set()


def _check_ole2(data: bytes) -> None:
    """Tell an encrypted workbook (Excel's password to open) and a non-Excel OLE2 file from a corrupt one."""
    names = _ole2_names(data)
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise ReadError(
            "该文件设置了打开密码（文件已加密），无法读取。请在 Excel 中打开后取消密码"
            "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）并另存，再导入"
        )
    if names and not names & {"Workbook", "Book", "WORKBOOK", "BOOK"}:
        raise ReadError("该文件是 Office 复合文档，但其中没有 Excel 工作簿（可能是 Word 等其他文档，或文件已损坏）")


def _refusal(scan: Future | None) -> ReadError | None:
    """The part scan's own refusal, if it has one (it names the problem more precisely than calamine)."""
    if scan is None:
        return None
    try:
        scan.result(timeout=30)
    except ReadError as exc:
        return exc
    except Exception:  # noqa: BLE001  (the caller reports calamine's failure instead)
        return None
    return None


def _calamine_error(data: bytes, exc: Exception) -> ReadError:
    import python_calamine

    if isinstance(exc, python_calamine.PasswordError):
        return ReadError("工作簿设置了打开密码（文件已加密），请取消密码后再导入")
    text = str(exc)
    if "CRC" in text:
        return ReadError("文件已损坏：压缩包校验失败（CRC 错误），请重新导出或重新下载该文件")
    if data.startswith(OLE2_MAGIC):
        return ReadError(
            "无法读取该 .xls 文件：文件已损坏，或不是 Excel 生成的工作簿。请用 Excel 打开后另存为 .xlsx 再导入"
        )
    if isinstance(exc, python_calamine.XmlError) or "xml" in text.lower():
        return ReadError(
            "无法读取该 Excel 文件：其中的 XML 内容有误（文件已损坏，或不是 Excel 生成的），请用 Excel 打开后另存再导入"
        )
    return ReadError("无法读取该 Excel 文件（文件已损坏，或不是有效的 .xlsx 工作簿），请用 Excel 打开后另存再导入")


def _parse_workbook(data: bytes, scan: Future | None, emit, progress) -> dict[str, list]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = list(workbook.sheets_metadata)
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise _refusal(scan) or _calamine_error(data, exc) from exc
    names = []
    for meta in metas:
        if "WorkSheet" not in str(meta.typ):
            continue
        progress(meta.name)
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except Exception as exc:  # noqa: BLE001
            raise _refusal(scan) or _calamine_error(data, exc) from exc
        start, end = sheet.start, sheet.end
        height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
        _check_range(f"工作表“{meta.name}”的范围", height, width)
        emit(meta.name, height, width, _rows_from(sheet, start[1] if start else 0, width))
        del sheet  # frees the Rust range before the next sheet is read
        names.append(meta.name)
    refusal = _refusal(scan)
    if refusal is not None:
        raise refusal
    if not names:
        raise ReadError("工作簿中没有工作表")
    warnings: dict[str, list] = {}
    formulas = scan.result() if scan is not None else {}
    if formulas:
        part_of_sheet = dict(_sheet_part_names(zipfile.ZipFile(io.BytesIO(data))))
        for name in names:
            for ref in formulas.get(part_of_sheet.get(name, ""), []):
                row_no = int(re.sub(r"[A-Z]", "", ref)) if ref != "?" else None
                warnings.setdefault(name, []).append(
                    (
                        row_no,
                        ref,
                        f"单元格 {ref} 是公式但没有计算结果（文件未在 Excel 中保存过计算值），请在 Excel 中打开并保存后再导入",
                    )
                )
    return warnings


def _rows_from(sheet, first_col: int, width: int):
    """The sheet's rows from A1 (calamine's rows start at the first used column: pad to the left)."""
    if not first_col:
        return sheet.iter_rows()
    pad = [""] * first_col
    return (pad + row for row in sheet.iter_rows())


# --- CSV ---------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a GBK superset).

    Never decodes with replacement characters: bytes valid in none of these are refused,
    and so is a file that mixes UTF-8 lines with GBK lines (it would decode as GB18030,
    but the UTF-8 lines would come out as mojibake).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError("文件编码无法识别（UTF-16 解码失败）") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        _refuse_mixed_encoding(data, utf8_error)
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReadError(
            f"文件编码无法识别：既不是 UTF-8 也不是 GBK/GB18030（第 {line} 行附近无法解码）。请另存为 UTF-8 或 GBK 编码的 CSV"
        ) from exc
    _refuse_mixed_encoding(data, utf8_error)
    return text


def _refuse_mixed_encoding(data: bytes, utf8_error: UnicodeDecodeError) -> None:
    """Refuse a file whose lines are partly UTF-8 Chinese and partly GBK.

    A GBK line is almost never valid UTF-8 holding CJK characters (GBK's two-byte codes
    decode, if at all, to Latin, Greek or Cyrillic), so a line that decodes as UTF-8 to
    Chinese in a file that is not UTF-8 as a whole is a UTF-8 line among GBK ones.
    """
    utf8_lines, gbk_lines = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            gbk_lines.append(number)
            continue
        if _CJK.search(text):
            utf8_lines.append(number)
        if len(utf8_lines) > 5 and len(gbk_lines) > 5:
            break
    if not utf8_lines:
        return
    first_bad = data.count(b"\n", 0, utf8_error.start) + 1
    gbk_lines = gbk_lines or [first_bad]

    def shown(lines):
        return "、".join(f"第 {n} 行" for n in lines[:5]) + (" 等" if len(lines) > 5 else "")

    raise ReadError(
        f"文件编码混杂：{shown(utf8_lines)}是 UTF-8 编码，而{shown(gbk_lines)}是 GBK 编码，"
        "按任何一种编码读取都会有乱码，已拒绝。请用同一种编码（UTF-8 或 GBK）另存整个文件后再导入"
    )


_FIELD_LIMIT = 131_072


def read_csv_rows(data: bytes) -> list[list]:
    """Rows of a CSV (comma, tab or semicolon separated), cells as text or None for blank.

    Refuses, in Chinese and with the row, a field over 131,072 characters, a quote that
    is never closed and a quote left open that swallowed the following rows.
    """
    text = decode_text(data)
    sample = "\n".join(text[:20000].splitlines()[:40])
    delimiter = max([",", "\t", ";", "|"], key=sample.count)
    try:
        return _csv_rows(text, delimiter, strict=True)
    except _StrictOnly:
        # Quirks such as "a"b that Excel reads leniently: read them the same way.
        return _csv_rows(text, delimiter, strict=False)


class _StrictOnly(Exception):
    """The strict reader objected to something the lenient one reads as Excel does."""


def _csv_rows(text: str, delimiter: str, strict: bool) -> list[list]:
    csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    max_rows, max_cols, max_cells = settings.get("max_rows"), settings.get("max_cols"), settings.get("max_cells")
    rows = []
    cells = 0
    line = 1  # the text line the next record starts on
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                raise ReadError(
                    f"第 {len(rows) + 1} 行（文本第 {line} 行起）有单元格超过 {_FIELD_LIMIT:,} 个字符，"
                    "不是正常的报表内容（常因引号未闭合、把后面的内容都并进了一个单元格），已拒绝"
                ) from exc
            if "unexpected end of data" in message:
                raise ReadError(
                    f"第 {len(rows) + 1} 行（文本第 {line} 行起）的引号没有闭合，直到文件末尾，后面的内容无法分行。"
                    "请检查该行的双引号后重新导出"
                ) from exc
            if "NUL" in message or "line contains NUL" in message:
                raise ReadError(f"第 {len(rows) + 1} 行含有空字符（NUL），不是正常的文本文件，已拒绝") from exc
            if strict:
                raise _StrictOnly from exc
            raise ReadError(
                f"第 {len(rows) + 1} 行（文本第 {line} 行起）无法按 CSV 格式读取，请检查该行的引号和分隔符"
            ) from exc
        if len(row) > max_cols:
            raise ReadError(f"CSV 第 {len(rows) + 1} 行有 {len(row)} 列，超过上限 {max_cols} 列，已拒绝")
        for cell in row:
            if "\n" in cell and delimiter in cell:
                end = reader.line_num
                raise ReadError(
                    f"第 {len(rows) + 1} 行的一个单元格从文本第 {line} 行延续到第 {end} 行，其中还含有分隔符：多半是引号没有闭合，"
                    "把后面几行并进了这个单元格。请检查该行的双引号后重新导出"
                )
        rows.append([cell if cell.strip() else None for cell in row])
        cells += len(row)
        if len(rows) > max_rows:
            raise ReadError(f"CSV 超过 {max_rows:,} 行上限，已拒绝")
        if cells > max_cells:
            raise ReadError(f"CSV 超过 {max_cells:,} 个单元格的上限，已拒绝。请按支行拆分后分别导入")
        line = reader.line_num + 1
    return rows


__all__ = [
    "ReadError",
    "Sheet",
    "read",
    "sniff",
    "parse_sheets",
    "check_xlsx",
    "scan_parts",
    "scan_formulas",
    "decode_text",
    "read_csv_rows",
]
