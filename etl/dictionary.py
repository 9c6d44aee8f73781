"""The data dictionary, generated from the contract registry (etl.schema.TABLES).

Used by the 数据字典 page, the docs (`dictionary_markdown`) and the 填写说明 sheet of every template,
so that a column is described in exactly one way everywhere.
"""
from __future__ import annotations

import pandas as pd

from etl.schema import BOOL, BY_NAME, DATE, DEC, INT, TABLES, TEXT, WARNING, Column, Table

KIND_ZH = {"dim": "维度", "fact": "事实", "cfg": "配置", "meta": "元数据"}
TYPE_ZH = {TEXT: "文本", INT: "整数", DEC: "数值", BOOL: "是/否", DATE: "日期"}
SEVERITY_ZH = {"error": "错误", WARNING: "警告"}
MODE_ZH = {"upsert": "按主键更新或新增", "replace": "按“年度+县区”整体替换"}
BOOL_FORMS = "是/否（也接受 1/0、Y/N、TRUE/FALSE、√/×、有/无）；留空表示“未知”，不等于“否”"
DATE_FORMS = "日期，写 YYYY-MM-DD（也接受 YYYY/M/D、YYYY年M月D日）"
PROVENANCE_LEGEND = (
    ("[L]", "法律或国家规定", "硬底线，不达标为红色警示"),
    ("[P]", "本市项目文件（调研报告、大方县报告、攸县文件、培训讲话）", "本市目标，作为默认阈值"),
    ("[E]", "外地公开做法", "参照基准，不具约束力"),
    ("[A]", "本字典的假设", "默认值，可由管理员调整"),
)


def enums() -> dict[str, tuple[tuple[str, str], ...]]:
    """ENUMS, imported late: etl.contract_cfg must load after etl.schema (circular import)."""
    from etl.contract_cfg import ENUMS
    return ENUMS


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def type_label(col: Column) -> str:
    """Chinese type, e.g. 文本(代码), 整数, 数值(百分比)."""
    if col.is_code:
        return "文本(代码)"
    if col.enum:
        return "文本(枚举)"
    if col.kind == DEC and col.percent:
        return "数值(百分比)"
    if col.kind == DATE and col.sql_type == "TIMESTAMP":
        return "日期时间"
    return TYPE_ZH.get(col.kind, col.kind)


def enum_text(domain: str, sep: str = "、") -> str:
    """Allowed values of an enum domain, with the Chinese label when it adds something."""
    items = enums().get(domain, ())
    return sep.join(label if label != value else value for value, label in items)


def _range_text(col: Column) -> str:
    lo, hi = _num(col.min), _num(col.max)
    if lo and hi:
        return f"{lo}–{hi}"
    if lo:
        return f"≥{lo}"
    if hi:
        return f"≤{hi}"
    return ""


def fk_text(col: Column) -> str:
    if not col.fk:
        return ""
    table, column = col.fk.split(".", 1)
    t = BY_NAME.get(table)
    if t is None:
        return f"须为已有的 {col.fk}"
    try:
        header = t.column(column).header
    except KeyError:
        header = column
    return f"须为已上传的「{t.label}」中的{header}"


def allowed_text(col: Column) -> str:
    """Allowed values / range / format of one column, in Chinese (one line)."""
    parts: list[str] = []
    if col.enum:
        parts.append("可选：" + enum_text(col.enum, "；" if any(v != l for v, l in enums().get(col.enum, ())) else "、"))
    elif col.kind == TEXT and col.name in enums():       # a list plus free values, e.g. body_name
        parts.append("参考清单：" + enum_text(col.name))
    elif col.kind == BOOL:
        parts.append(BOOL_FORMS)
    elif col.kind == DATE:
        parts.append(DATE_FORMS if col.sql_type == "DATE" else "日期时间")
    elif col.kind in (INT, DEC):
        rng = _range_text(col)
        what = "整数" if col.kind == INT else "数字"
        parts.append(f"{what} {rng}" if rng else what)
        if col.unit:
            parts.append(f"单位：{col.unit}")
        if col.step:
            parts.append(f"按{_num(col.step)}递增")
        if col.percent:
            parts.append("填百分数的数值，如 85 表示85%，可带%号")
        if col.warn_min is not None or col.warn_max is not None:
            parts.append(f"超出 {_num(col.warn_min) or '…'}–{_num(col.warn_max) or '…'} 时提示")
        if col.not_future:
            parts.append("不晚于当前年份")
    if col.is_code:
        parts.append(f"格式：{col.regex_hint}" if col.regex_hint else "文本代码")
        parts.append("请保持文本格式，保留前导零")
    elif col.regex:
        parts.append(f"格式：{col.regex_hint or col.regex}")
    if col.kind == TEXT and not col.enum:
        if col.min_len and col.max_len:
            parts.append(f"{col.min_len}–{col.max_len}个字")
        elif col.max_len:
            parts.append(f"不超过{col.max_len}个字")
        elif col.min_len:
            parts.append(f"至少{col.min_len}个字")
    if col.fk:
        parts.append(fk_text(col))
    return "；".join(p for p in parts if p)


def required_text(col: Column) -> str:
    if col.derived_from:
        return "可不填"
    return "必填" if col.required else "选填"


def note_text(table: Table, col: Column) -> str:
    """说明 column of 填写说明: the note, derivation and provenance tag."""
    parts = [col.note] if col.note else []
    if col.derived_from:
        try:
            src = table.column(col.derived_from).header
        except KeyError:
            src = col.derived_from
        parts.append(f"可不填，由“{src}”自动推算；填写时须一致")
    if col.provenance:
        parts.append(f"依据 {col.provenance}")
    return "；".join(parts)


def _rule_messages(table: Table, col: Column) -> str:
    msgs = [("[警告] " if r.severity == WARNING else "") + r.message for r in table.rules if r.column == col.name]
    return "；".join(msgs)


def dictionary_frame() -> pd.DataFrame:
    """One row per column of every table."""
    rows = []
    for t in TABLES:
        for c in t.columns:
            check = "；".join(p for p in (c.note, _rule_messages(t, c)) if p)
            rows.append({
                "表名": t.name, "表中文名": t.label, "类别": KIND_ZH.get(t.kind, t.kind),
                "列名": c.name, "显示名": c.header, "类型": f"{type_label(c)}（{c.sql_type}）",
                "必填": "是" if c.required and not c.derived_from else "否",
                "取值范围/枚举/格式": allowed_text(c), "主键": "是" if c.name in t.key else "",
                "外键": c.fk or "", "校验说明": check, "依据": c.provenance,
            })
    return pd.DataFrame(rows)


def rules_frame() -> pd.DataFrame:
    """One row per cross-field/cross-table rule."""
    rows = []
    for t in TABLES:
        for r in t.rules:
            try:
                col = t.column(r.column).header
            except KeyError:
                col = r.column
            rows.append({"表": t.name, "表中文名": t.label, "规则代码": r.code, "列": col,
                         "级别": SEVERITY_ZH.get(r.severity, r.severity), "说明": r.message,
                         "依据": r.provenance})
    return pd.DataFrame(rows, columns=["表", "表中文名", "规则代码", "列", "级别", "说明", "依据"])


def _md(value) -> str:
    s = "" if value is None else str(value)
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows]
    return out


def dictionary_markdown() -> str:
    """docs/数据字典.md: one section per table, generated from the registry."""
    lines = ["# 数据字典", "",
             "本文档由数据契约（`etl/schema.py` 及 `etl/contract_*.py`）自动生成，请勿手工修改。",
             "上传文件的表头可用“显示名”（中文）或“列名”（英文）。", "", "**依据标签**", ""]
    lines += _md_table(["标签", "含义", "在看板中的作用"], [list(x) for x in PROVENANCE_LEGEND])
    lines += ["", "## 目录", ""]
    for kind, kind_zh in KIND_ZH.items():
        names = [f"{t.label}（`{t.name}`）" for t in TABLES if t.kind == kind]
        if names:
            lines.append(f"- **{kind_zh}表**：" + "、".join(names))
    for t in TABLES:
        lines += ["", f"## {t.label}（`{t.name}`）", ""]
        if t.description:
            lines += [t.description, ""]
        lines.append(f"- 类别：{KIND_ZH.get(t.kind, t.kind)}表")
        if t.key:
            keys = "、".join(f"{t.column(k).header}（`{k}`）" for k in t.key)
            lines.append(f"- 主键：{keys}")
        if t.uploadable:
            lines.append(f"- 上传方式：{t.mode_note or MODE_ZH.get(t.mode, t.mode)}")
            lines.append(f"- 上传模板：`{t.name}.xlsx`、`{t.name}.csv`")
        else:
            lines.append("- 上传方式：不通过模板上传，由系统或管理员维护")
        if t.provenance:
            lines.append(f"- 依据：{t.provenance}")
        lines.append("")
        lines += _md_table(
            ["显示名", "列名", "类型", "必填", "取值范围/枚举/格式", "主键", "外键", "说明", "依据"],
            [[c.header, f"`{c.name}`", f"{type_label(c)}（{c.sql_type}）", required_text(c), allowed_text(c),
              "是" if c.name in t.key else "", f"`{c.fk}`" if c.fk else "", note_text(t, c) if c.derived_from
              else c.note, c.provenance] for c in t.columns])
        if t.rules:
            lines += ["", "**校验规则**", ""]
            rows = []
            for r in t.rules:
                try:
                    col = t.column(r.column).header
                except KeyError:
                    col = r.column
                rows.append([f"`{r.code}`", col, SEVERITY_ZH.get(r.severity, r.severity), r.message, r.provenance])
            lines += _md_table(["规则代码", "列", "级别", "说明", "依据"], rows)
    return "\n".join(lines) + "\n"
