"""The xlsx half of the reader: zip-bomb, macro and encryption checks before any XML is parsed, then the first
visible worksheet read with python-calamine into text cells (numbers stored as numbers are recorded)."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from itertools import repeat

import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from etl.read import (_BOMB, _CORRUPT, _LOCKED, RATIO_GRACE_BYTES, ZIP_MAGIC, Limits, _fail, _finish,
                      _table)

def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse zip bombs, macros, encryption and non-workbooks before any XML is parsed."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename.lower(): i for i in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _fail("xlsx_corrupt", _CORRUPT) from None
    if len(infos) > limits.max_entries or sum(i.file_size for i in infos.values()) > limits.max_unzipped_bytes or any(
            i.file_size > max(RATIO_GRACE_BYTES, limits.max_ratio * i.compress_size) for i in infos.values()):
        raise _fail("zip_bomb", _BOMB)
    if any(i.flag_bits & 1 for i in infos.values()):
        raise _fail("xlsx_encrypted", _LOCKED)
    for info in infos.values():  # headers can lie: inflate each entry as a stream, stop once past its declared size
        if _inflated_size(data, info) > info.file_size:
            raise _fail("zip_bomb", _BOMB)
    types = zf.read(infos["[content_types].xml"]) if "[content_types].xml" in infos else b""
    if any(n.endswith("vbaproject.bin") for n in infos) or b"macroEnabled" in types:
        raise _fail("xlsx_macro", "文件包含宏（VBA代码），出于安全考虑不接收。请在Excel中另存为“Excel 工作簿(*.xlsx)”后再上传。")
    if any(n.startswith("xl/externallinks/") or n == "xl/connections.xml" for n in infos):
        raise _fail("xlsx_external_link", "文件含有指向其他文件或外部数据源的链接（数据→编辑链接/连接），出于安全考虑不接收。"
                                          "请在Excel中“断开链接”（把公式转成数值）后另存为 .xlsx 再上传。")
    if "xl/workbook.xml" not in infos:
        raise _fail("disguised_file", "文件是压缩包，但不是Excel工作簿（可能是Word/WPS文档或普通zip改了扩展名）。"
                                      "请上传Excel另存的 .xlsx 或 CSV UTF-8 文件。")


def _inflated_size(data: bytes, info: zipfile.ZipInfo) -> int:
    off = info.header_offset
    if data[off:off + 4] != ZIP_MAGIC or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _fail("xlsx_corrupt", _CORRUPT)
    n, m = struct.unpack("<HH", data[off + 26:off + 30])
    raw = memoryview(data)[off + 30 + n + m:off + 30 + n + m + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    inflater, total = zlib.decompressobj(-15), 0
    try:
        for i in range(0, len(raw), 1 << 14):  # 16 KB in -> at most ~16 MB out per step
            total += len(inflater.decompress(raw[i:i + (1 << 14)]))
            if total > info.file_size or inflater.eof:
                break
    except zlib.error:
        raise _fail("xlsx_corrupt", _CORRUPT) from None
    return total


def _cell_text(v) -> str:
    t = type(v)
    if t is str:
        return v
    if t is float or t is int:
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e21 else repr(float(v) + 0.0)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is dt.datetime:  # round Excel's float time to the second
        v = (v + dt.timedelta(microseconds=500_000)).replace(microsecond=0) if v.microsecond else v
        return v.strftime("%Y-%m-%d") if v.time() == dt.time() else v.strftime("%Y-%m-%d %H:%M:%S")
    if t is dt.date or t is dt.time:
        return v.replace(microsecond=0).isoformat() if t is dt.time else v.isoformat()
    if t is dt.timedelta:
        secs = round(v.total_seconds())
        return f"{'-' if secs < 0 else ''}{abs(secs) // 3600}:{abs(secs) % 3600 // 60:02d}:{abs(secs) % 60:02d}"
    return "" if v is None else str(v)


def read_xlsx(data: bytes, limits: Limits):
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [s for s in wb.sheets_metadata if s.typ == python_calamine.SheetTypeEnum.WorkSheet]
        if not sheets:
            raise _fail("no_sheet", "工作簿里没有普通工作表（只有图表页）。请把数据放在第一个工作表中。")
        meta = ([s for s in sheets if s.visible == python_calamine.SheetVisibleEnum.Visible] or sheets)[0]
        sheet = wb.get_sheet_by_name(meta.name)
        if sheet.height > limits.max_rows + 1:
            raise _fail("too_many_rows", f"工作表“{meta.name}”有{sheet.height}行，超过上限{limits.max_rows}行。"
                                         "请删除多余的行（包括下方看起来为空但有格式的行）或拆分后上传。")
        if sheet.width > limits.max_columns:
            raise _fail("too_many_columns", f"工作表“{meta.name}”有{sheet.width}列，超过上限{limits.max_columns}列。"
                                            "请删除右侧多余的列（包括看起来为空但有格式的列）。")
        values, start = sheet.to_python(skip_empty_area=True, nrows=limits.max_rows + 2), sheet.start
    except python_calamine.PasswordError:
        raise _fail("xlsx_encrypted", _LOCKED) from None
    except python_calamine.CalamineError:
        raise _fail("xlsx_corrupt", _CORRUPT) from None
    if not values or start is None:
        return [], _table([], []), [], meta.name
    row0, col0 = start[0] + 1, start[1]  # Excel row of the header (leading empty rows skipped), first column offset
    headers, numeric = [_cell_text(v) for v in values[0]], []
    columns = [_column_text(col, j, row0 + 1, numeric) for j, col in enumerate(zip(*values[1:]))]
    table = _table(columns or [[]] * len(headers), range(row0 + 1, row0 + len(values)))
    headers, table = _finish(headers, table, limits, row0, col0)
    return headers, table, [c for c in numeric if c[1] < len(headers)], meta.name


def _column_text(col: tuple, j: int, first_row: int, numeric: list) -> list[str] | tuple:
    """Text of one xlsx column; records numeric cells. Numbers are formatted by arrow, the rare exponent by Python."""
    kinds = set(map(type, col))
    if kinds <= {str}:
        return col
    pure = kinds <= {float, int}
    nums = range(len(col)) if pure else [i for i, v in enumerate(col) if type(v) is float or type(v) is int]
    numeric.extend(zip(range(first_row, first_row + len(col)), repeat(j)) if pure else ((first_row + i, j) for i in nums))
    values = pa.array(col if pure else [col[i] for i in nums], pa.float64())
    shown = pc.add(values, 0.0).cast(pa.string())   # + 0.0 turns -0.0 into 0.0
    odd = pc.or_(pc.match_substring(shown, "e"), pc.less(pc.abs(values), 1e-4))  # Python decides these few
    shown = shown.to_pylist()
    for k in pc.indices_nonzero(odd).to_pylist():
        shown[k] = _cell_text(values[k].as_py())     # e.g. 1e+16 -> "10000000000000000"
    if pure:
        return shown
    texts = list(col)
    for i, text in zip(nums, shown):
        texts[i] = text
    return [t if type(t) is str else _cell_text(t) for t in texts] if kinds - {str, float, int} else texts
