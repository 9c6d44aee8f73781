"""Command line: build, load, templates, versions, rollback, demo. Chinese output; library errors become
exit codes here and only here (0 accepted, 1 rejected, 2 usage error)."""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from etl import publish, schema
from etl.problems import EtlError, ValidationFailed, WriterBusy

OK, REJECTED, USAGE = 0, 1, 2


class Progress:
    """A one-line progress bar on stderr for long loads."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.start = max(total, 1), label, time.monotonic()

    def step(self, done: int, what: str = "") -> None:
        if not sys.stderr.isatty():  # logs and pipes get one line at the end, not carriage returns
            if done >= self.total:
                sys.stderr.write(f"{self.label}：{self.total}个，用时{time.monotonic() - self.start:.1f}秒\n")
            return
        width = 24
        filled = int(width * done / self.total)
        bar = "█" * filled + "░" * (width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{self.total} {what[:30]:<30} {time.monotonic() - self.start:5.1f}秒")
        sys.stderr.flush()
        if done >= self.total:
            sys.stderr.write("\n")


def _user(args) -> str:
    return args.user or getpass.getuser() or "命令行"


def _read(paths: list[str]) -> list[tuple[str, bytes]]:
    inputs, bar = [], Progress(len(paths), "读取文件")
    for i, path in enumerate(paths, 1):
        inputs.append((Path(path).name, Path(path).read_bytes()))
        bar.step(i, Path(path).name)
    return inputs


def cmd_load(args) -> int:
    missing = [p for p in args.paths if not Path(p).is_file()]
    if missing:
        print(f"找不到文件：{'、'.join(missing)}", file=sys.stderr)
        return USAGE
    if args.table and (args.table not in schema.BY_NAME or not schema.BY_NAME[args.table].uploadable):
        print(f"没有可上传的数据表“{args.table}”。可选：{'、'.join(t.name for t in schema.UPLOADABLE)}", file=sys.stderr)
        return USAGE
    p = publish.data_paths(args.data_dir)
    inputs = _read(args.paths)
    modes = {args.table: args.mode} if args.table and args.mode else None
    t0 = time.monotonic()
    print("正在校验……", file=sys.stderr)
    batch = publish.validate(p, inputs, args.table, modes)
    for f in batch.files:
        label = schema.BY_NAME[f.table].label if f.table else "未识别"
        print(f"{f.name}：{label}，{f.rows}行，编码 {f.encoding or '—'}")
    for problem in batch.problems:
        print(problem.format())
    errors, warnings = batch.counts.get("error", 0), batch.counts.get("warning", 0)
    print(f"校验用时{time.monotonic() - t0:.1f}秒：错误{errors}个，警告{warnings}个。")
    if errors:
        print("有错误，整批文件均未导入，数据没有任何改动。请修正后重新上传。")
        _log_rejected(p, batch, _user(args), "rejected")
        batch.close()
        return REJECTED
    if args.dry_run:
        print("试运行：校验通过，未写入数据。")
        _log_rejected(p, batch, _user(args), "dry_run")
        batch.close()
        return OK
    try:
        version = publish.publish(p, batch, _user(args), args.reason or "", table=args.table)
    except ValidationFailed as failed:
        for problem in failed.problems:
            print(problem.format())
        print("发布前重新校验发现错误，数据没有任何改动。")
        _log_rejected(p, batch, _user(args), "rejected", failed.problems)
        return REJECTED
    except WriterBusy as busy:
        print(str(busy))
        return REJECTED
    finally:
        batch.close()
    print(f"已发布新版本 v{version}（用时{time.monotonic() - t0:.1f}秒）。")
    return OK


def _log_rejected(p, batch, user: str, status: str, problems=None) -> None:
    store = p.store()
    ids = store.allocate_ids(len(batch.files))
    for upload_id, f in zip(ids, batch.files):
        mine = [q for q in (batch.problems if problems is None else problems) if q.file == f.name]
        bad_rows = len({q.row for q in mine if q.severity == "error" and q.row and q.row > 1})
        store.log_upload(upload_id, table=f.table, file_name=f.name, encoding=f.encoding, user=user,
                         mode=batch.modes.get(f.table), rows_in=f.rows, rows_rejected=bad_rows, sha256=f.sha256,
                         status=status, version=None, problems=mine)
        store.audit(user, "upload", f.table or "", status, f.name, f.sha256)


def cmd_build(args) -> int:
    p = publish.data_paths(args.data_dir)
    if publish.current_version(p) is not None and not args.force:
        print(f"数据仓库已存在（当前版本 v{publish.current_version(p)}），未重建。需要重建请加 --force。")
        return OK
    if args.force and p.warehouse.exists():
        import shutil
        shutil.rmtree(p.warehouse)
    demo = Path(args.source)
    paths = sorted(str(x) for x in demo.glob("*.csv")) + sorted(str(x) for x in demo.glob("*.xlsx"))
    if not paths:
        print(f"目录 {demo} 中没有 CSV/xlsx 文件。", file=sys.stderr)
        return USAGE
    publish.init_warehouse(p, _user(args))
    ns = argparse.Namespace(paths=paths, table=None, mode=None, dry_run=False, data_dir=args.data_dir,
                            user=args.user or "系统", reason=f"由 {demo} 建立")
    return cmd_load(ns)


def cmd_templates(args) -> int:
    from etl.templates import write_templates
    out = Path(args.out)
    written = write_templates(out)
    print(f"已生成{len(written)}个模板文件到 {out}")
    return OK


def cmd_versions(args) -> int:
    p = publish.data_paths(args.data_dir)
    rows = publish.versions(p)
    if not rows:
        print("还没有任何版本。请先运行 python -m etl build")
        return OK
    print("版本   时间                 操作人      类型      说明")
    for r in rows:
        mark = "*" if r["current"] else (" " if r["available"] else "-")
        print(f"{mark}v{r['version']:<5} {r['created_at']:<20} {r['created_by'] or '':<10} {r['kind']:<8} "
              f"{r['reason'] or ''} {r['files'] or ''}")
    print("* 当前版本；- 快照已清理（可用存档文件重建）")
    return OK


def cmd_rollback(args) -> int:
    p = publish.data_paths(args.data_dir)
    version = publish.rollback(p, args.version, _user(args), args.reason)
    print(f"已回滚：版本 v{args.version} 的数据已发布为新版本 v{version}。")
    return OK


def cmd_refresh(args) -> int:
    p = publish.data_paths(args.data_dir)
    before = publish.current_version(p)
    version = publish.refresh_marts(p, _user(args))
    if version is None:
        print("还没有数据仓库。请先运行 python -m etl build")
    elif version == before:
        print(f"当前版本 v{version} 的指标已由当前程序生成，无需重建。")
    else:
        print(f"已用当前程序重建指标：v{before} → v{version}（数据不变）。")
    return OK


def cmd_rebuild(args) -> int:
    p = publish.data_paths(args.data_dir)
    target = publish.data_paths(args.out)
    if publish.current_version(target) is not None:
        print(f"目标目录 {args.out} 已有数据仓库，请换一个空目录。", file=sys.stderr)
        return USAGE
    version = publish.rebuild(p, args.version, target, _user(args))
    print(f"已用存档文件重建版本 v{args.version} → {args.out}（新仓库当前版本 v{version}）。")
    return OK


def cmd_health(args) -> int:
    from etl import health
    p = publish.data_paths(args.data_dir)
    ok, message, details = health.check(p)
    if args.json:
        import json
        print(json.dumps(health.as_dict(ok, message, details), ensure_ascii=False, indent=1))
        return OK if ok else REJECTED
    for d in details:
        print(d.line())
    print(message)
    return OK if ok else REJECTED


def cmd_backup(args) -> int:
    from etl import backup
    p = publish.data_paths(args.data_dir)
    target, manifest, seconds = backup.backup(p, args.out, _user(args), export=args.export)
    size = sum(f["bytes"] for f in manifest["files"].values())
    print(f"已备份数据版本 v{manifest['version']} → {target}（{len(manifest['files'])}个文件，{size / 1e6:.1f} MB，"
          f"用时{seconds:.1f}秒）。")
    return OK


def cmd_restore(args) -> int:
    from etl import backup
    target = publish.data_paths(args.target)
    version, seconds, manifest = backup.restore(args.backup, target, _user(args), force=args.force)
    print(f"已恢复：备份（{manifest['created_at']}）中的数据版本 v{version} → {target.root}；"
          f"校验和与表签名全部一致，用时{seconds:.1f}秒。")
    print(f"启动看板时使用该目录：NPC_DATA_DIR={target.root} python -m streamlit run dashboard.py")
    return OK


def _open_for_export(args, suffix: str):
    """(version, read-only connection) of the current snapshot after checking --out, --year and --county;
    an int exit code instead when something is wrong (message already printed)."""
    out = Path(args.out)
    if out.suffix.lower() != suffix:
        print(f"输出文件须以 {suffix} 结尾：{args.out}", file=sys.stderr)
        return USAGE
    if not out.parent.is_dir():
        print(f"输出目录不存在：{out.parent}", file=sys.stderr)
        return USAGE
    p = publish.data_paths(args.data_dir)
    if publish.current_version(p) is None:
        print(f"数据目录 {p.root} 中还没有数据仓库。请先运行 python -m etl build（或上传数据）。", file=sys.stderr)
        return REJECTED
    version, con = publish.open_snapshot(p)
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM mart_kpi WHERE level = '市' ORDER BY year").fetchall()]
    counties = con.execute("SELECT county_code, county_name FROM dim_county ORDER BY sort_order, county_code").fetchall()
    problem = None
    if args.year not in years:
        problem = f"没有{args.year}年的数据。可选年度：{'、'.join(map(str, years)) or '无'}"
    elif getattr(args, "county", None) and args.county not in {c for c, _ in counties}:
        problem = f"没有县区代码“{args.county}”。可选：{'、'.join(f'{c}（{n}）' for c, n in counties)}"
    if problem:
        con.close()
        print(problem, file=sys.stderr)
        return USAGE
    return version, con


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _export(args, suffix: str, make) -> int:
    """Write make(con, version) -> (bytes, description) to --out from the current snapshot."""
    opened = _open_for_export(args, suffix)
    if isinstance(opened, int):
        return opened
    version, con = opened
    t0 = time.monotonic()
    try:
        data, what = make(con, version)
    finally:
        con.close()
    _write_atomic(Path(args.out), data)
    print(f"已生成{what}：{args.out}（数据版本 v{version}，用时{time.monotonic() - t0:.1f}秒）。")
    return OK


def cmd_deck(args) -> int:
    from etl.deck import build_deck
    from etl.pptx_deck import render_pptx

    def make(con, version):
        deck = build_deck(con, args.year, args.county, version)
        return render_pptx(deck), f"{deck.scope_name}{deck.year}年汇报 PPT（{len(deck.slides)}页，图表可编辑）"
    return _export(args, ".pptx", make)


def cmd_export_xlsx(args) -> int:
    from etl.annual import annual_workbook
    return _export(args, ".xlsx", lambda con, version: (annual_workbook(con, args.year, version),
                                                         f"{args.year}年度通报 Excel"))


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码（10–64位，含字母和数字）：")
    if first != getpass.getpass("再输入一次：") :
        raise EtlError("两次输入的密码不一致。")
    return first


def cmd_create_user(args) -> int:
    from etl import auth
    p = publish.data_paths(args.data_dir)
    role = "admin" if args.command == "create-admin" else args.role
    account = auth.create_account(p.store(), args.username, _read_password(args), role, _user(args),
                                  args.display_name or "", getattr(args, "county", None))
    print(f"已创建账号 {account.username}（{account.role_zh}）。")
    return OK


def cmd_users(args) -> int:
    from etl import auth
    p = publish.data_paths(args.data_dir)
    rows = auth.accounts(p.store())
    if not rows:
        print("还没有账号。请先运行 python -m etl create-admin 用户名")
    for r in rows:
        state = "启用" if r["active"] else "停用"
        print(f"{r['username']:<16} {auth.ROLES[r['role']]:<10} {r['county_code'] or '':<8} {state} 最近登录 {r['last_login'] or '—'}")
    print(f"免登录浏览：{'开启' if auth.setting(p.store(), 'anonymous_view') == 'on' else '关闭'}")
    return OK


def cmd_anonymous(args) -> int:
    from etl import auth
    p = publish.data_paths(args.data_dir)
    auth.set_setting(p.store(), "anonymous_view", args.state, _user(args))
    print(f"免登录浏览已{'开启' if args.state == 'on' else '关闭'}。")
    return OK


def cmd_demo(args) -> int:
    if args.scale != "city" or args.years is not None:
        return _demo_scale(args)
    from etl.demo import generate_frames, write_csvs
    out = args.out or str(Path(__file__).resolve().parent.parent / "data" / "demo")
    written = write_csvs(generate_frames(args.seed), Path(out))
    print(f"已生成演示数据（清川市，种子 {args.seed}）：{len(written)}个文件 → {out}")
    return OK


def _demo_scale(args) -> int:
    from etl.demo import scale
    if not args.out:
        print("生成省级或全国规模数据须用 --out 指定输出目录（不要写入 data/demo/）。", file=sys.stderr)
        return USAGE
    if args.years is not None and not 1 <= args.years <= scale.MAX_YEARS:
        print(f"--years 须在1到{scale.MAX_YEARS}之间。", file=sys.stderr)
        return USAGE
    sc = scale.SCALES[args.scale]
    r = scale.write_scale(sc, Path(args.out), years=args.years, seed=args.seed, workers=args.workers,
                          progress=lambda i, n: print(f"\r已生成 {i}/{n} 个城市", end="", file=sys.stderr, flush=True))
    print(file=sys.stderr)
    print(f"已生成{sc.top_name}演示数据：{r['counties']}个县区、{r['rows']['dim_township']}个乡镇街道、"
          f"{r['rows']['dim_deputy']:,}名代表、{r['rows']['fact_suggestion']:,}件建议，{r['years']}年，"
          f"共{sum(r['rows'].values()):,}行、{r['bytes'] / 1048576:.0f}MB，用时{r['seconds']:.0f}秒 → {args.out}")
    return OK


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m etl", description="县乡人大建设监督看板：数据命令")
    ap.add_argument("--data-dir", help="数据目录（默认 data/，或环境变量 NPC_DATA_DIR）")
    ap.add_argument("--user", help="操作人（默认当前系统用户）")
    sub = ap.add_subparsers(dest="command", required=True, metavar="命令")
    b = sub.add_parser("build", help="用演示数据（data/demo/）建立数据仓库")
    b.add_argument("--source", default=str(Path(__file__).resolve().parent.parent / "data" / "demo"))
    b.add_argument("--force", action="store_true", help="删除现有快照后重建")
    b.set_defaults(func=cmd_build)
    ld = sub.add_parser("load", help="校验并发布上传文件")
    ld.add_argument("paths", nargs="+", metavar="文件")
    ld.add_argument("--table", help="数据表英文名（默认按表头自动判断）")
    ld.add_argument("--mode", choices=[schema.UPSERT, schema.REPLACE], help="upsert 按主键更新；replace 按年度+县区整体替换")
    ld.add_argument("--dry-run", action="store_true", help="只校验，不写入")
    ld.add_argument("--reason", help="发布说明")
    ld.set_defaults(func=cmd_load)
    t = sub.add_parser("templates", help="生成每张表的 CSV 和 xlsx 模板")
    t.add_argument("--out", default="templates")
    t.set_defaults(func=cmd_templates)
    sub.add_parser("versions", help="列出数据版本").set_defaults(func=cmd_versions)
    r = sub.add_parser("rollback", help="回滚到某个版本（生成一个新版本）")
    r.add_argument("version", type=int)
    r.add_argument("--reason", required=True, help="回滚原因（必填）")
    r.set_defaults(func=cmd_rollback)
    sub.add_parser("refresh", help="程序升级后用新程序重建指标（生成一个数据不变的新版本）").set_defaults(func=cmd_refresh)
    rb = sub.add_parser("rebuild", help="用存档的上传文件在新目录重建某个版本")
    rb.add_argument("version", type=int)
    rb.add_argument("--out", required=True, help="新的数据目录（须为空）")
    rb.set_defaults(func=cmd_rebuild)
    for name, help_text in (("create-admin", "创建管理员账号（首次部署时使用；没有默认密码）"),
                            ("create-user", "创建账号（领导、市人大工作人员、县区填报员、管理员）")):
        cu = sub.add_parser(name, help=help_text)
        cu.add_argument("username")
        cu.add_argument("--display-name", help="显示名")
        cu.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（供脚本使用）")
        if name == "create-user":
            cu.add_argument("--role", required=True, choices=["leader", "city_staff", "county_staff", "admin"])
            cu.add_argument("--county", help="县区填报员所属县区代码")
        cu.set_defaults(func=cmd_create_user)
    sub.add_parser("users", help="列出账号").set_defaults(func=cmd_users)
    he = sub.add_parser("health", help="健康检查：指针、快照真实查询、应用库读写、磁盘空间、备份（退出码 0 正常 / 1 异常）")
    he.add_argument("--json", action="store_true", help="输出 JSON")
    he.set_defaults(func=cmd_health)
    bk = sub.add_parser("backup", help="备份当前版本快照、上传存档和应用库（带校验清单）")
    bk.add_argument("--out", required=True, help="备份目录（在其中新建子目录），或 .tar.gz 文件")
    bk.add_argument("--export", action="store_true", help="另外导出 parquet（EXPORT DATABASE，便于跨版本迁移）")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="校验备份后恢复到数据目录（目录须为空，或加 --force）")
    rs.add_argument("backup", help="备份目录或 .tar.gz 文件")
    rs.add_argument("--data-dir", dest="target", required=True, help="恢复到的数据目录")
    rs.add_argument("--force", action="store_true", help="目录非空时仍恢复（原内容移到旁边保留）")
    rs.set_defaults(func=cmd_restore)
    dk = sub.add_parser("deck", help="生成汇报 PPT（16:9，可编辑原生图表，要点在页面、口径在备注）")
    dk.add_argument("--year", type=int, required=True, help="年度")
    dk.add_argument("--county", help="县区代码（不填则为全部县区：全市、全省或全国）")
    dk.add_argument("--out", required=True, help="输出文件 .pptx")
    dk.set_defaults(func=cmd_deck)
    ex = sub.add_parser("export-xlsx", help="生成年度通报 Excel（各类指标按县区和乡镇、目标、状态、综合指数、预警清单）")
    ex.add_argument("--year", type=int, required=True, help="年度")
    ex.add_argument("--out", required=True, help="输出文件 .xlsx")
    ex.set_defaults(func=cmd_export_xlsx)
    an = sub.add_parser("anonymous", help="开启或关闭免登录浏览（只读）")
    an.add_argument("state", choices=["on", "off"])
    an.set_defaults(func=cmd_anonymous)
    d = sub.add_parser("demo", help="生成演示城市（清川市）或省级、全国规模的上传文件")
    d.add_argument("--seed", type=int, default=20250101)
    d.add_argument("--out", help="输出目录（城市默认 data/demo/；省级、全国必填）")
    d.add_argument("--scale", choices=("city", "province", "nation"), default="city",
                   help="规模：city 清川市（默认）、province 约120县区、nation 2,844县区")
    d.add_argument("--years", type=int, help="最近N年（1–10；省级、全国默认10，城市默认5）")
    d.add_argument("--workers", type=int, default=2, help="并行进程数（默认2）")
    d.set_defaults(func=cmd_demo)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except EtlError as exc:
        print(str(exc), file=sys.stderr)
        return REJECTED
