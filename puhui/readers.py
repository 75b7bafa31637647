"""File → sheets of raw cell values, with the format identified by its bytes.

xlsx and xls are read with python-calamine (a Rust reader, 13× faster than openpyxl
here); CSV with the standard library after the encoding is detected. Hostile files are
refused before parsing: zip bombs (declared sizes and compression ratios), XML with a
DTD (entity bombs), sheets beyond the row and column caps. Formula cells without a
cached value are reported by address rather than read as empty.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import python_calamine

from . import settings

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class ReadError(Exception):
    """A file that cannot be read as an extract; the message is for the user, in Chinese."""


@dataclass
class Sheet:
    """One table's raw cells: rows of Python values (str, float, int, bool, date, None)."""

    file: str
    name: str
    rows: list[list]
    warnings: list[tuple[int | None, str | None, str]] = field(default_factory=list)


def sniff(data: bytes) -> str:
    """The format of ``data`` judged by its bytes: 'xlsx', 'xls', 'html', 'csv' or 'binary'."""
    head = data[:2048]
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head", b"<body")) or b"<table" in head.lower().replace(b"\x00", b""):
        return "html"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "csv"


def read(file_name: str, data: bytes) -> list[Sheet]:
    """Read every sheet of an uploaded file; raise :class:`ReadError` with a Chinese message."""
    max_bytes = settings.get("max_upload_bytes")
    if len(data) > max_bytes:
        raise ReadError(f"文件大小 {len(data) / 1048576:.1f} MB 超过上限 {max_bytes / 1048576:.0f} MB")
    if not data:
        raise ReadError("文件为空")
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
        return [Sheet(file_name, "", read_csv_rows(data))]
    if kind != "xlsx":
        return _read_workbook(file_name, data, None)
    check_xlsx(data)
    # python-calamine releases the GIL while it parses, so the formula scan (mostly zlib,
    # which releases it too) runs beside it on the second core instead of after it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        formulas = pool.submit(scan_formulas, data)
        return _read_workbook(file_name, data, formulas)


def check_xlsx(data: bytes) -> None:
    """Refuse zip bombs (declared sizes, compression ratios) and XML with a DTD, before any parsing."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReadError("文件是损坏的压缩包，不是有效的 .xlsx 文件") from exc
    infos = archive.infolist()
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ReadError("该压缩文件不是 Excel 工作簿（缺少 xl/ 目录），请确认导出的是 .xlsx")
    max_total = settings.get("max_unzipped_bytes")
    max_ratio = settings.get("max_zip_ratio")
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise ReadError(f"文件解压后达 {total / 1048576:.0f} MB，超过上限 {max_total / 1048576:.0f} MB，疑似压缩炸弹，已拒绝")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > max_ratio:
            raise ReadError(f"文件中 {info.filename} 的压缩比达 {ratio:.0f}:1，疑似压缩炸弹，已拒绝")
    for info in infos:
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            head = part.read(4096)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise ReadError(f"文件中 {info.filename} 含有 DTD/实体声明（可能是 XML 实体炸弹），已拒绝")
        dimension = re.search(rb'<dimension ref="[A-Z]+[0-9]+:([A-Z]+)([0-9]+)"', head)
        if dimension and info.filename.startswith("xl/worksheets/"):
            letters, last_row = dimension.group(1).decode(), int(dimension.group(2))
            last_col = 0
            for letter in letters:
                last_col = last_col * 26 + ord(letter) - 64
            if last_row > settings.get("max_rows") or last_col > settings.get("max_cols"):
                raise ReadError(
                    f"工作表声明的范围为 {last_row:,} 行 × {last_col:,} 列，超过上限 "
                    f"{settings.get('max_rows'):,} 行 × {settings.get('max_cols'):,} 列，已拒绝"
                )


def scan_formulas(data: bytes) -> dict[str, list[str]]:
    """Formula cells without a cached value, per worksheet part name."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    formulas: dict[str, list[str]] = {}
    for info in archive.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            body = archive.read(info)
            if b"<f" in body:
                missing = _formulas_without_value(body)
                if missing:
                    formulas[info.filename] = missing
    return formulas


_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def _formulas_without_value(xml: bytes) -> list[str]:
    """Addresses of cells that hold a formula but no cached value."""
    missing = []
    for match in _CELL.finditer(xml):
        inner = match.group(3) or b""
        if b"<f" not in inner:
            continue
        value = re.search(rb"<v>(.*?)</v>|<is>", inner, re.S)
        if value is None or (value.group(1) is not None and value.group(1).strip() == b""):
            ref = _REF.search(match.group(1))
            missing.append(ref.group(1).decode() if ref else "?")
    return missing


def _sheet_part_names(data: bytes) -> list[str]:
    """Worksheet part names in workbook order (for mapping formula warnings to sheet names)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts = []
    for sheet_name, rid in re.findall(r'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets.get(rid, "")
        target = target.lstrip("/")
        parts.append((sheet_name, target if target.startswith("xl/") else f"xl/{target}"))
    return parts


def _read_workbook(file_name: str, data: bytes, formula_scan: Future | None) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise ReadError("工作簿设置了打开密码，请取消密码后再导入") from exc
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise ReadError(f"无法读取该 Excel 文件（文件可能已损坏）：{exc}") from exc
    max_rows, max_cols = settings.get("max_rows"), settings.get("max_cols")
    sheets = []
    for meta in workbook.sheets_metadata:
        if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet") and "WorkSheet" not in str(meta.typ):
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        height, width = sheet.total_height, sheet.total_width
        if height > max_rows or width > max_cols:
            raise ReadError(
                f"工作表“{meta.name}”有 {height:,} 行 × {width:,} 列，超过上限 {max_rows:,} 行 × {max_cols:,} 列，已拒绝"
            )
        rows = sheet.to_python(skip_empty_area=False)
        # Pad the leading empty area so row numbers are those the user sees in Excel.
        start = sheet.start
        if start and (start[0] or start[1]):
            rows = [[None] * start[1] + list(r) for r in rows]
            rows = [[] for _ in range(start[0])] + rows
        sheets.append(Sheet(file_name, meta.name, rows))
    formula_warnings = formula_scan.result() if formula_scan is not None else {}
    if formula_warnings:
        part_of_sheet = {name: part for name, part in _sheet_part_names(data)}
        for sheet in sheets:
            for ref in formula_warnings.get(part_of_sheet.get(sheet.name, ""), []):
                row_no = int(re.sub(r"[A-Z]", "", ref)) if ref != "?" else None
                sheet.warnings.append((row_no, ref, f"单元格 {ref} 是公式但没有计算结果（文件未在 Excel 中保存过计算值），请在 Excel 中打开并保存后再导入"))
    if not sheets:
        raise ReadError("工作簿中没有工作表")
    return sheets


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a GBK superset).

    Never decodes with replacement characters: bytes valid in none of these are refused.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError("文件编码无法识别（UTF-16 解码失败）") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"文件编码无法识别：既不是 UTF-8 也不是 GBK/GB18030（第 {exc.start} 个字节附近无法解码）。请另存为 UTF-8 或 GBK 编码的 CSV"
        ) from exc


def read_csv_rows(data: bytes) -> list[list]:
    """Rows of a CSV (comma, tab or semicolon separated), cells as stripped text or None."""
    text = decode_text(data)
    sample = "\n".join(text[:20000].splitlines()[:40])
    delimiter = max([",", "\t", ";", "|"], key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    max_rows, max_cols = settings.get("max_rows"), settings.get("max_cols")
    rows = []
    for row in reader:
        if len(row) > max_cols:
            raise ReadError(f"CSV 有 {len(row)} 列，超过上限 {max_cols} 列，已拒绝")
        rows.append([cell if cell.strip() else None for cell in row])
        if len(rows) > max_rows:
            raise ReadError(f"CSV 超过 {max_rows:,} 行上限，已拒绝")
    return rows
