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
        return REJECTED
    except WriterBusy as busy:
        print(str(busy))
        return REJECTED
    finally:
        batch.close()
    print(f"已发布新版本 v{version}（用时{time.monotonic() - t0:.1f}秒）。")
    return OK


def _log_rejected(p, batch, user: str, status: str) -> None:
    store = p.store()
    ids = store.allocate_ids(len(batch.files))
    for upload_id, f in zip(ids, batch.files):
        mine = [q for q in batch.problems if q.file == f.name]
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
    from etl.demo import generate_frames, write_csvs
    written = write_csvs(generate_frames(args.seed), Path(args.out))
    print(f"已生成演示数据（清川市，种子 {args.seed}）：{len(written)}个文件 → {args.out}")
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
    an = sub.add_parser("anonymous", help="开启或关闭免登录浏览（只读）")
    an.add_argument("state", choices=["on", "off"])
    an.set_defaults(func=cmd_anonymous)
    d = sub.add_parser("demo", help="生成演示城市（清川市）的上传文件")
    d.add_argument("--seed", type=int, default=20250101)
    d.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "data" / "demo"))
    d.set_defaults(func=cmd_demo)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except EtlError as exc:
        print(str(exc), file=sys.stderr)
        return REJECTED
