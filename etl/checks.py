"""SQL generated from the registry: value normalisation, typing and column-level checks.

Everything here is set-based (one scan per check over a staged table), never a Python loop over rows.
Each check yields rows of (_file, _row, column, code, severity, value, message).
"""
from __future__ import annotations

from etl.schema import BOOL, DATE, DEC, INT, TEXT, Column, Table

WS = " \t\r\n\u3000\u00a0\ufeff\u200b"
FULL = "０１２３４５６７８９．－＋，％（）：　"
HALF = "0123456789.-+,%(): "
TRUE_WORDS = ("是", "1", "y", "yes", "true", "t", "√", "✓", "✔", "有", "对")
FALSE_WORDS = ("否", "0", "n", "no", "false", "f", "×", "✗", "✘", "x", "无", "错")
SCI = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"
DATE_FORMS = (  # (regex, y, m, d groups); an xlsx datetime cell may carry a time part
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$",
    r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日$",
)
BOOL_HINT = "请填“是”或“否”（也可填 1/0、Y/N、TRUE/FALSE、√/×）。"
DATE_HINT = "日期格式无法识别：请写成 2024-03-15、2024/3/15 或 2024年3月15日。"


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Cells that need work: whitespace (incl. full-width space, NBSP, BOM, zero-width) at either end, or
# full-width digits/signs. Checked with one regex so clean cells skip the costly translate/trim (10–20×).
_WS_CLASS = "[ \\t\\r\\n\\x{3000}\\x{a0}\\x{feff}\\x{200b}]"
NEEDS_TRIM = f"^{_WS_CLASS}|{_WS_CLASS}$"
NEEDS_NORM = f"[０-９．－＋，％（）：\\x{{3000}}\\x{{a0}}\\x{{feff}}\\x{{200b}}]|{NEEDS_TRIM}"


def norm(raw: str, ascii_likely: bool = False) -> str:
    """Trimmed text with full-width digits/signs made half-width; NULL when empty. Where cells are mostly
    ASCII (codes, numbers, dates) a cheaper test comes first: an ASCII cell needs work only when it starts
    with a control or space, or ends with one of the four ASCII blanks (a third less time than the regex)."""
    slow = f"nullif(trim(translate({raw}, {lit(FULL)}, {lit(HALF)}), {lit(WS)}), '')"
    out = f"CASE WHEN regexp_matches({raw}, {lit(NEEDS_NORM)}) THEN {slow} ELSE nullif({raw}, '') END"
    if not ascii_likely:
        return out
    ends = " OR ".join(f"ends_with({raw}, chr({c}))" for c in (32, 9, 10, 13))
    return f"CASE WHEN strlen({raw}) = length({raw}) AND ascii({raw}) > 32 AND NOT ({ends}) THEN {raw} ELSE {out} END"


def norm_text(raw: str) -> str:
    slow = f"nullif(trim({raw}, {lit(WS)}), '')"
    return f"CASE WHEN regexp_matches({raw}, {lit(NEEDS_TRIM)}) THEN {slow} ELSE nullif({raw}, '') END"


def normalised(col: Column, raw: str) -> str:
    """Each cell is normalised once into n_<col>; typing and checks read that column."""
    if col.kind == TEXT and not (col.is_code or col.enum):
        return norm_text(raw)
    return norm(raw, ascii_likely=col.is_code or col.kind in (INT, DEC, DATE))


def number_text(n: str, percent: bool) -> str:
    """Normalised number text: thousands separators removed, a % sign removed where allowed (cheap guards
    first: the regex runs only on cells that contain a comma)."""
    v = (f"CASE WHEN contains({n}, ',') AND regexp_full_match({n}, '[+-]?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?%?') "
         f"THEN replace({n}, ',', '') ELSE {n} END")
    return f"CASE WHEN ends_with({v}, '%') THEN left({v}, -1) ELSE {v} END" if percent else v


def number(n: str, percent: bool) -> str:
    """The DOUBLE value of a number cell, NULL when it is not a plain finite number."""
    v = number_text(n, percent)
    return (f"(CASE WHEN NOT contains({n}, '_') AND isfinite(TRY_CAST({v} AS DOUBLE)) "
            f"THEN TRY_CAST({v} AS DOUBLE) END)")


# Invisible characters in free text: C0 controls except tab/LF/CR (LF/CR have their own check), DEL, soft hyphen,
# zero-width and bidi controls, word joiners, BOM and interlinear annotation marks (reliability.md §6 F, corpus).
INVISIBLE = ("[\\x{0}-\\x{8}\\x{b}\\x{c}\\x{e}-\\x{1f}\\x{7f}\\x{ad}\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}"
             "\\x{2060}-\\x{2064}\\x{2066}-\\x{2069}\\x{feff}\\x{fff9}-\\x{fffb}]")
MARKUP = r"[<>*_\[\]$`|\\{}~]"  # Markdown/HTML/LaTeX/colour-directive syntax: never part of a real unit or person name


def is_name(col: Column) -> bool:
    """Names of units and people (shown in page headings and sentences, not only in tables)."""
    return col.kind == TEXT and not col.is_code and not col.enum and (col.name == "name" or col.name.endswith("_name"))


def is_text_like(col: Column) -> bool:
    return col.kind == TEXT


def nref(col: Column) -> str:
    """The normalised text of a column in the staged table (text columns are their own normal form)."""
    return col.name if is_text_like(col) else f"n_{col.name}"


def typed(col: Column, n: str) -> str:
    """SQL turning the normalised text column `n` into the contract type (NULL when empty or invalid).
    DuckDB's own casts do the work: they accept ISO dates, 2024/3/5 and datetime cells, and reject the rest."""
    if col.kind in (INT, DEC):
        x = number(n, col.percent)
        if col.kind == INT:
            return f"CASE WHEN {x} = trunc({x}) THEN TRY_CAST({x} AS {col.sql_type}) END"
        return f"TRY_CAST({x} AS {col.sql_type})"
    if col.kind == BOOL:
        yes = ", ".join(lit(w) for w in TRUE_WORDS)
        no = ", ".join(lit(w) for w in FALSE_WORDS)
        return f"CASE WHEN lower({n}) IN ({yes}) THEN TRUE WHEN lower({n}) IN ({no}) THEN FALSE END"
    if col.kind == DATE:
        cjk = f"regexp_replace({n}, '^(\\d{{4}})年(\\d{{1,2}})月(\\d{{1,2}})日$', '\\1-\\2-\\3')"
        return (f"CASE WHEN contains({n}, '年') THEN TRY_CAST({cjk} AS DATE) "
                f"WHEN regexp_matches({n}, '^\\d{{4}}[-/]') THEN TRY_CAST({n} AS DATE) END")
    return n


def _check(col: Column, cond: str, code: str, message: str, severity: str = "error") -> str:
    return (f"SELECT _file, _row, {lit(col.name)} AS col, {lit(code)} AS code, {lit(severity)} AS severity, "
            f"NULL AS value, {lit(message)} AS message FROM stg WHERE {cond}")


def _fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def column_checks(table: Table, enum_values: dict[str, tuple[str, ...]], fk_sql: dict[str, str]) -> list[str]:
    """SELECTs over the staged table `stg` (raw r_<col> and typed <col>) that find column-level problems."""
    out = []
    for col in table.columns:
        c, n = col.name, nref(col)
        present = f"{n} IS NOT NULL"
        if col.required:
            out.append(_check(col, f"NOT ({present})", "missing_value", "必填项为空，请填写。"))
        if col.kind == INT:
            hint = "应为整数" + ("（可带%号）" if col.percent else "") + "，不要带单位或文字，如 12。"
            out.append(_check(col, f"{present} AND {c} IS NULL", "bad_integer", hint))
        elif col.kind == DEC:
            msg = "应为数字，不要带单位或文字（如“万”“元”），如 12.5。"
            if col.percent:
                msg = "应为0–100之间的百分数，如 85 或 85%。"
            out.append(_check(col, f"{present} AND {c} IS NULL", "bad_decimal", msg))
        elif col.kind == BOOL:
            out.append(_check(col, f"{present} AND {c} IS NULL", "bad_boolean", BOOL_HINT))
        elif col.kind == DATE:
            serial = f"regexp_full_match({n}, '\\d{{5}}(\\.\\d+)?')"
            out.append(_check(col, f"{present} AND {c} IS NULL AND {serial}", "bad_date",
                              "看起来是Excel的日期序号：请把该列设置为“日期”格式，写成 2024-03-15。"))
            out.append(_check(col, f"{present} AND {c} IS NULL AND NOT {serial}", "bad_date", DATE_HINT))
        if col.kind in (INT, DEC):
            if col.min is not None:
                out.append(_check(col, f"{c} < {col.min}", "below_minimum", f"不能小于{_fmt(col.min)}。"))
            if col.max is not None:
                out.append(_check(col, f"{c} > {col.max}", "above_maximum", f"不能大于{_fmt(col.max)}。"))
            if col.warn_min is not None or col.warn_max is not None:
                lo, hi = col.warn_min, col.warn_max
                out.append(_check(col, f"{c} < {lo} OR {c} > {hi}", "unusual_value",
                                  f"数值不在常见范围{_fmt(lo)}–{_fmt(hi)}内，请核对。", "warning"))
            if col.step:
                out.append(_check(col, f"{c} IS NOT NULL AND ({c} / {col.step}) <> floor({c} / {col.step})",
                                  "bad_step", f"应为{_fmt(col.step)}的整数倍（如 0.5、1、1.5）。"))
        if col.not_future:
            out.append(_check(col, f"{c} > year(current_date)", "future_year", "年度不能晚于当前年份。"))
        if col.is_code:
            out.append(_check(col, f"contains(lower({n}), 'e') AND regexp_matches({n}, {lit(SCI)})", "scientific_notation",
                              "编码被Excel转成了科学计数法（如 1.1E+17），原编码已丢失：请把该列设置为“文本”格式后重新输入。"))
            if col.regex:
                out.append(_check(col, f"{c} IS NOT NULL AND NOT regexp_matches({c}, {lit(col.regex)}) "
                                       f"AND NOT (contains(lower({n}), 'e') AND regexp_matches({n}, {lit(SCI)}))",
                                  "bad_format", f"格式应为{col.regex_hint}，请核对（编码列请设为“文本”格式，保留开头的0）。"))
        if col.enum:
            values = enum_values[col.enum]
            shown = "、".join(values) if len(values) <= 12 else "、".join(values[:12]) + "等"
            out.append(_check(col, f"{c} IS NOT NULL AND {c} NOT IN (SELECT value FROM cur_cfg_enum WHERE domain = {lit(col.enum)})",
                              "not_in_enum", f"不是允许的取值，可选：{shown}。"))
        if col.kind == TEXT and not col.is_code and not col.enum:
            if col.max_len:
                out.append(_check(col, f"length({c}) > {col.max_len}", "too_long", f"不能超过{col.max_len}个字。"))
            if col.min_len:
                out.append(_check(col, f"length({c}) < {col.min_len}", "too_short", f"不能少于{col.min_len}个字。"))
        if col.kind == TEXT and not col.is_code and not col.enum:
            out.append(_check(col, f"regexp_matches({c}, {lit(INVISIBLE)})", "invisible_char",
                              "含有看不见的控制字符（如零宽空格、从右到左控制符、字节顺序标记），会让同名单位被当成两个、"
                              "或让显示顺序颠倒。请删除该单元格内容后手工重新输入。"))
            if is_name(col):
                out.append(_check(col, f"regexp_matches({c}, {lit(MARKUP)})", "markup_in_name",
                                  "名称中不能含有 < > * _ [ ] $ ` | \\ { } ~ 这些符号（看板会把它们当作格式符号）。"
                                  "如需括号请用中文括号（）或【】。"))
        if col.kind == TEXT:
            out.append(_check(col, f"(contains({c}, chr(10)) OR contains({c}, chr(13)))", "has_newline",
                              "单元格内含有换行：请删除换行；若是CSV文件，可能是某个引号没有配对，请检查本行和上一行。"))
        if col.fk and col.name in fk_sql:
            ref_table = col.fk.split(".")[0]
            out.append(_check(col, f"{c} IS NOT NULL AND {c} NOT IN ({fk_sql[col.name]})", "unknown_reference",
                              f"找不到这个编码：请先上传对应的{REF_LABEL.get(ref_table, ref_table)}，或检查编码是否填错。"))
    return out


REF_LABEL = {"dim_city": "市", "dim_county": "县区", "dim_township": "乡镇街道", "dim_deputy": "代表名册",
             "dim_handling_unit": "承办单位", "dim_liaison_station": "联络站点"}
