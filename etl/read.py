"""Read one uploaded CSV or xlsx into raw text cells, refusing anything unsafe or ambiguous (reliability.md §3).

The format is decided by the bytes, never by the file name (the name is for messages only). Every cell comes back as
text (empty -> ""), with the Excel row number of each record, so validation can say `第N行，列“X”`.
"""
from __future__ import annotations

import csv
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass, replace

import defusedxml  # noqa: F401  openpyxl guards against billion-laughs XML only when this is importable
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.problems import ERROR, Problem, ReadFailed

ZIP_MAGIC, OLE2_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
EXACT_MAX_BYTES = 4 * 1024 * 1024   # CSV bodies with quotes up to this size go through the strict Python parser
RATIO_GRACE_BYTES = 1024 * 1024     # zip entries smaller than this are exempt from the compression-ratio check
MAX_LISTED = 200                    # per-row problems listed before a summary line
_RESAVE = "请在Excel中打开后“另存为”CSV UTF-8（逗号分隔）或 Excel 工作簿（.xlsx）再上传。"
_LOCKED = "文件设置了密码，系统无法读取。请在Excel中取消密码（文件→信息→保护工作簿）后另存再上传。"
_CORRUPT = "Excel文件已损坏或结构异常，无法安全读取。请在Excel中重新保存为 .xlsx 后再上传。"
_BOMB = "文件解压后异常巨大（疑似“压缩炸弹”），已拒绝。请在Excel中删除多余的空行空列和无关工作表后重新保存。"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")   # one line with its ending, like newline=""
_PLAUSIBLE = re.compile(r"[\x00-\x7f\u2000-\u206f\u3000-\u9fff\uff00-\uffef\U00020000-\U0010ffff]*")
# byte classes for a fast scan: "L" = UTF-8 lead byte of U+4000..U+9FFF, "c" = continuation byte
_UTF8_CLASSES = bytes(99 if 0x80 <= b <= 0xBF else 76 if 0xE4 <= b <= 0xE9 else 46 for b in range(256))


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024             # raw upload size
    max_unzipped_bytes: int = 200 * 1024 * 1024   # xlsx: declared total uncompressed size
    max_ratio: int = 100                          # xlsx: worst per-entry compression ratio
    max_entries: int = 1000                       # xlsx: zip entries
    max_rows: int = 2_000_000
    max_columns: int = 200
    max_field_chars: int = 10_000


@dataclass
class RawFile:
    name: str                             # as given by the user: display only, never a filesystem path
    sha256: str                           # hex digest of the raw bytes
    fmt: str                              # "csv" or "xlsx"
    encoding: str                         # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    headers: list[str]                    # header cells exactly as in the file (BOM removed), in file order
    table: pa.Table                       # c0..c{n-1} pa.string() (empty -> ""), _row int32 = Excel row number
    numeric_cells: list[tuple[int, int]]  # xlsx: (excel_row, column_index) of cells stored as numbers; csv: []
    sheet: str | None                     # xlsx sheet read


def _fail(code: str, message: str, row: int | None = None, column: str | None = None) -> ReadFailed:
    return ReadFailed([Problem(code=code, message=message, severity=ERROR, row=row, column=column)])


def _table(cols: list, rows) -> pa.Table:
    return pa.table({**{f"c{j}": pa.array(c, pa.string()) for j, c in enumerate(cols)}, "_row": pa.array(rows, pa.int32())})


def normalise_header(text: str) -> str:
    """Header text for matching: NFKC, no whitespace (incl. \\u3000 \\xa0), no zero-width/format chars or BOM."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text)
                   if not ch.isspace() and unicodedata.category(ch) != "Cf")


def bad_file_name(name: str) -> bool:
    """A name no file picker produces: path separators, NUL/control or bidi characters, '..', over 255 chars.
    (The name is only ever shown, never used as a path: refusing such names keeps logs and reports honest.)"""
    return (not name or len(name) > 255 or name in (".", "..") or any(ch in "/\\" for ch in name)
            or any(unicodedata.category(ch) == "Cc" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"
                   for ch in name))


def read_upload(name: str, data: bytes, limits: Limits = Limits()) -> RawFile:
    """Sniff, check and read one upload. Raises ReadFailed; every Problem carries file=name."""
    try:
        return _read(name, data, limits)
    except ReadFailed as exc:
        raise ReadFailed([replace(p, file=name) for p in exc.problems]) from None


def _read(name: str, data: bytes, limits: Limits) -> RawFile:
    from etl.read_xlsx import check_zip, read_xlsx  # the xlsx half imports helpers from this module
    if bad_file_name(name):
        raise _fail("bad_file_name", "文件名含有斜杠、反斜杠或控制字符，或长度超过255个字符，不像是从电脑中直接选择的文件。"
                                     "请把文件改成简单的名字（如“六有_2024.csv”）后重新上传。")
    if not data:
        raise _fail("empty_file", "文件是空的（0字节）。请确认选对了文件，在Excel中保存后再上传。")
    if len(data) > limits.max_bytes:
        raise _fail("file_too_large", f"文件有{len(data) / 1048576:.1f}MB，超过上限{limits.max_bytes // 1048576}MB。"
                                      "请删除无关的工作表，或按县区拆分成几个文件分别上传。")
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if data.startswith(OLE2_MAGIC) and ext in (".xls", ".xlsx", ".csv"):   # Excel 97-2003, or encrypted OOXML
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _fail("xlsx_encrypted", _LOCKED)
        raise _fail("xls_old_format", "这是旧版Excel文件（.xls格式），系统不接收。请在Excel中另存为 .xlsx 或 CSV UTF-8。")
    problems = []
    if ext not in (".csv", ".xlsx"):
        problems.append(Problem("bad_extension", f"不接受扩展名为“{ext or '无'}”的文件，只接收 .csv 和 .xlsx。"
                                "带宏的 .xlsm、旧版 .xls 或改过名字的文件请在Excel中另存为 .xlsx 或 CSV UTF-8。"))
    if data.startswith(ZIP_MAGIC):
        try:
            check_zip(data, limits)
        except ReadFailed as exc:
            problems += exc.problems
        if ext == ".csv" and not any(p.code == "disguised_file" for p in problems):
            problems.append(Problem("disguised_file", "文件名是 .csv，但内容其实是Excel工作簿（.xlsx）。"
                                    "请把扩展名改回 .xlsx，或在Excel中另存为 CSV UTF-8。"))
    elif ext == ".xlsx":
        problems.append(Problem("disguised_file", "文件名是 .xlsx，但内容不是Excel工作簿（像是文本或CSV改了扩展名）。"
                                "请用Excel打开后另存为 .xlsx，或把扩展名改为 .csv。"))
    if problems:
        raise ReadFailed(problems)
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(ZIP_MAGIC):
        return RawFile(name, digest, "xlsx", "xlsx", *read_xlsx(data, limits))
    headers, table, encoding = _read_csv(data, limits)
    return RawFile(name, digest, "csv", encoding, headers, table, [], None)


# ---------------------------------------------------------------- CSV: decoding

def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n" if b"\n" in data else b"\r", 0, pos) + 1


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Strictly: UTF-8 BOM -> UTF-8 -> GB18030. Returns (text, encoding) or raises ReadFailed."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _fail("undecodable", "文件是UTF-16编码（Excel的“Unicode文本”），系统无法读取。"
                                   "文件编码无法识别，请另存为 CSV UTF-8（逗号分隔）。")
    nul = data.find(b"\x00")
    if nul >= 0 and data.count(b"\x00") * 5 > len(data):
        raise _fail("undecodable", "文件中有大量空字节，不是文本表格（可能是UTF-16编码或其他二进制文件）。"
                                   "文件编码无法识别，请另存为 CSV UTF-8。")
    text, encoding = _decode(data)   # garbage with a NUL in it is "undecodable"; valid text with a NUL is "nul_byte"
    if nul >= 0:
        raise _fail("nul_byte", f"这一行含有空字符（NUL，文件第{nul + 1}个字节），文件可能已损坏。"
                                "请在Excel中打开检查后另存为 CSV UTF-8。", row=_line_of(data, nul))
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return (data[3:] if bom else data).decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start + (3 if bom else 0)
    evidence = 1 if bom else _utf8_evidence_line(data)
    if evidence is not None:  # some lines are surely UTF-8: a failing line that is valid GB18030 means two encodings
        s, e = data.rfind(b"\n", 0, bad) + 1, data.find(b"\n", bad)
        try:
            data[s:e if e >= 0 else len(data)].decode("gb18030")
        except UnicodeDecodeError:
            raise _undecodable(data, bad) from None
        line = _line_of(data, bad)
        raise _fail("mixed_encoding", f"文件混用了两种编码：第{evidence}行是UTF-8，第{line}行是GBK/GB18030，"
                                      "可能是把不同来源的内容拼到了一起。请在Excel中打开，整体另存为 CSV UTF-8 后再上传。",
                    row=line)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc.start) from None


def _undecodable(data: bytes, pos: int) -> ReadFailed:
    return _fail("undecodable", f"这一行（文件第{pos + 1}个字节）有无法识别的字符，既不是UTF-8也不是GBK/GB18030。"
                                "文件编码无法识别，请另存为 CSV UTF-8。", row=_line_of(data, pos))


def _utf8_evidence_line(data: bytes) -> int | None:
    """Number of a line that is valid UTF-8 with two adjacent 3-byte CJK characters, else None."""
    classes, pos = data.translate(_UTF8_CLASSES), 0
    for _ in range(10_000):  # GBK text rarely has even one candidate; the cap bounds pathological files
        i = classes.find(b"LccLcc", pos)
        if i < 0:
            return None
        s, e = data.rfind(b"\n", 0, i) + 1, data.find(b"\n", i)
        e = len(data) if e < 0 else e
        try:
            if _PLAUSIBLE.fullmatch(data[s:e].decode("utf-8")):  # accidental decodes give odd scripts
                return _line_of(data, s)
        except UnicodeDecodeError:
            pass
        pos = e + 1
    return None


# ---------------------------------------------------------------- CSV: parsing

def _read_csv(data: bytes, limits: Limits) -> tuple[list[str], pa.Table, str]:
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" not in data and _valid_utf8(data, bom):   # fast path: no Python str of the whole file
        raw, encoding = data, "utf-8-sig" if bom else "utf-8"
    else:  # GB18030 (re-encoded once, arrow wants UTF-8) or a ReadFailed with the diagnosis
        text, encoding = decode_csv_bytes(data)
        raw, bom = text.encode("utf-8"), 0
        del text
    headers, header_row, start = _header(raw, bom)
    if len(headers) > limits.max_columns:
        raise _fail("too_many_columns", f"表头有{len(headers)}列，超过上限{limits.max_columns}列。"
                                        "请删除多余的列（包括右侧看起来为空但有格式的列）后再上传。", row=header_row)
    if not headers:
        return [], _table([], []), encoding
    quotes, ncols, table = raw.count(b'"', start), len(headers), None
    if not re.compile(rb"[^\r\n]").search(raw, start):
        table = _table([[]] * ncols, [])
    elif not quotes or (quotes % 2 == 0 and len(raw) - start > EXACT_MAX_BYTES):
        table = _arrow_parse(pa.py_buffer(raw).slice(start), quotes > 0, header_row, ncols)
    if table is None:  # small quoted files, odd quote counts and anything arrow did not like: strict Python csv
        table = _table(*_strict_parse(raw[start:].decode("utf-8"), header_row, ncols, limits))
    return (*_finish(headers, table, limits, header_row, 0), encoding)


def _valid_utf8(data: bytes, pos: int) -> bool:
    """Arrow's UTF-8 validation (SIMD, ~20x faster than bytes.decode and no copy)."""
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(data) - pos))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data).slice(pos)]).validate(full=True)
        return True
    except pa.ArrowInvalid:
        return False


def _header(raw: bytes, pos: int) -> tuple[list[str], int, int]:
    """First non-empty record of the UTF-8 bytes raw[pos:]: (cells, its row number, byte offset after it).

    Only a growing prefix is decoded; a window that ends inside a quoted header cell is simply made bigger."""
    size = 1 << 16
    while True:
        end = len(raw) if pos + size >= len(raw) else raw.rfind(b"\n", pos, pos + size) + 1
        if end > pos:
            head, done, row = raw[pos:end].decode("utf-8"), [0], 0
            try:
                for record in csv.reader(_lines(head, done), strict=True):  # leading empty records are counted
                    row += 1
                    if any(record):
                        return record, row, pos + len(head[:done[0]].encode("utf-8"))
            except csv.Error as exc:
                if end == len(raw):
                    raise _csv_error(exc, row + 1) from None
            if end == len(raw):
                return [], row, end
        size *= 4


def _arrow_parse(body: pa.Buffer, quoted: bool, header_row: int, ncols: int) -> pa.Table | None:
    """Fast path. None when any record has the wrong field count (arrow does not say which row)."""
    names, invalid = [f"c{j}" for j in range(ncols)], []
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body), read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted, ignore_empty_lines=False,
                                             invalid_row_handler=lambda row: invalid.append(1) or "skip"),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    # blank lines are kept as all-empty records, so record i is Excel row header_row + 1 + i
    return None if invalid else table.append_column(
        "_row", pa.array(range(header_row + 1, header_row + 1 + table.num_rows), pa.int32()))


def _lines(text: str, end: list[int]):
    """Lines with their endings, lazily (io.StringIO would copy the whole text); end[0] = offset after the last."""
    for m in _LINE.finditer(text):
        end[0] = m.end()
        yield m.group()


def _strict_parse(text: str, header_row: int, ncols: int, limits: Limits):
    """Python csv, strict=True: returns (columns, excel_rows) or raises ReadFailed listing every bad record."""
    problems, records, rows, row, bad = [], [], [], header_row, 0
    try:
        for record in csv.reader(_lines(text, [0]), strict=True):
            row += 1
            if not any(record):
                continue
            if len(record) != ncols:
                bad += 1
                if bad <= MAX_LISTED:
                    problems.append(Problem("wrong_field_count", f"这一行有{len(record)}列，表头有{ncols}列。"
                                            "常见原因是单元格里有英文逗号或引号没有配对。" + _RESAVE, row=row))
                continue
            records.append(record)
            rows.append(row)
            if len(rows) > limits.max_rows:
                break
    except csv.Error as exc:
        problems += _csv_error(exc, row + 1).problems
    if bad > MAX_LISTED:
        problems.append(Problem("wrong_field_count", f"另有{bad - MAX_LISTED}行的列数与表头不一致，未逐一列出。"))
    if problems:
        raise ReadFailed(problems)
    return [list(c) for c in zip(*records)] if records else [[]] * ncols, rows


def _csv_error(exc: csv.Error, row: int) -> ReadFailed:
    if "unexpected end of data" in str(exc):
        return _fail("unclosed_quote", "这一行有一个英文引号（\"）没有闭合，从这里到文件末尾都被当成了一个单元格。"
                                       "请检查这一行的引号。" + _RESAVE, row=row)
    if "field larger than field limit" in str(exc):
        return _fail("field_too_long", "这一行有单元格内容过长，常见原因是引号没有配对、把后面多行并进了一格。"
                                       "请检查这一行的引号。", row=row)
    return _fail("bad_quote", "这一行的英文引号（\"）位置不对或没有配对，后面几行可能被并进了同一个单元格。"
                              "请检查这一行的引号。" + _RESAVE, row=row)


# ---------------------------------------------------------------- shared checks

def _col_name(j: int) -> str:
    """0 -> A, 27 -> AB: the Excel column letter."""
    return (_col_name(j // 26 - 1) if j >= 26 else "") + chr(65 + j % 26)


def _finish(headers: list[str], table: pa.Table, limits: Limits, header_row: int, col0: int):
    """Drop all-empty rows and unnamed all-empty trailing columns, then check headers, sizes and field lengths."""
    n, mask = len(headers), None
    for j in range(n):  # rows where every cell is "" (lazily: usually c0 alone decides)
        empty = pc.equal(table.column(f"c{j}"), "")
        mask = empty if mask is None else pc.and_(mask, empty)
        if not pc.any(mask).as_py():
            mask = None
            break
    if mask is not None:
        table = table.filter(pc.invert(mask))
    while n and normalise_header(headers[n - 1]) == "" and (
            table.num_rows == 0 or pc.all(pc.equal(table.column(f"c{n - 1}"), "")).as_py()):
        table, headers, n = table.drop_columns([f"c{n - 1}"]), headers[:n - 1], n - 1
    problems, seen = [], {}
    for j, h in enumerate(headers):
        key, where = normalise_header(h), f"第{j + 1}列（{_col_name(j + col0)}列）"
        if not key:
            problems.append(Problem("empty_header", f"{where}的表头是空的。请填写列名，或删除这一整列。",
                                    row=header_row, column=h))
        elif key in seen:
            problems.append(Problem("duplicate_header", f"第{seen[key] + 1}列（{_col_name(seen[key] + col0)}列）和{where}"
                                    f"的表头都是“{key}”。请删除重复的列或改正列名。", row=header_row, column=h))
        else:
            seen[key] = j
    if table.num_rows > limits.max_rows:
        problems.append(Problem("too_many_rows", f"数据超过{limits.max_rows}行的上限。请按县区或年份拆分成几个文件分别上传。"))
    for j in range(n):
        col = table.column(f"c{j}")
        if (pc.max(pc.binary_length(col)).as_py() or 0) > limits.max_field_chars:  # bytes >= chars: cheap pre-check
            lengths = pc.utf8_length(col)
            for i in pc.indices_nonzero(pc.greater(lengths, limits.max_field_chars)).to_pylist()[:MAX_LISTED]:
                problems.append(Problem("field_too_long", f"单元格有{lengths[i].as_py()}个字，超过上限{limits.max_field_chars}"
                                        "个字。请精简内容；如果是引号没有配对、把多行并成了一格，请改正引号。",
                                        row=table.column("_row")[i].as_py(), column=headers[j]))
    if problems:
        raise ReadFailed(problems)
    return headers, table
