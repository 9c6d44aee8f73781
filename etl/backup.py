"""Backup and restore of a data directory (reliability.md §2.5, §6 G).

A backup is taken under the writer lock, so no version is published while it is copied. It holds the current
snapshot file (immutable, checkpointed and closed), the CURRENT pointer, the whole upload archive (every accepted
file, named by sha256, so any version can be rebuilt), the app store copied with SQLite's online backup API, and
manifest.json with the sha256 and size of every file plus the table signatures of the snapshot. `export=True`
adds EXPORT DATABASE (parquet) for a DuckDB-version-independent copy.

Restore checks every checksum first, builds the new data directory beside the target, checks the restored
snapshot's table signatures against the manifest and only then moves it into place: a bad backup changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from etl import publish, warehouse
from etl.problems import EtlError

FORMAT = "npc-backup/1"
MANIFEST = "manifest.json"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True) + [root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def snapshot_signature(path: Path) -> dict[str, list[int]]:
    """Signatures of every base table in a snapshot file (data, configuration, marts and meta)."""
    con = duckdb.connect(str(path), read_only=True, config=publish.READER_CONFIG)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = "
                                            "'BASE TABLE' ORDER BY table_name").fetchall()]
        return {t: list(v) for t, v in warehouse.signature(con, tables, lineage=True).items()}
    finally:
        con.close()


def store_counts(app_db: Path) -> dict[str, int]:
    con = sqlite3.connect(app_db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'sqlite_%' ORDER BY name").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def backup(p: publish.Paths, out: str | Path, user: str = "系统", export: bool = False,
           lock_timeout: float = 60.0) -> tuple[Path, dict, float]:
    """Write a backup of `p` into directory `out` (as a new sub-directory) or into `out` = *.tar.gz.
    Returns (path written, manifest, seconds)."""
    t0 = time.monotonic()
    out = Path(out)
    as_tar = out.name.endswith(ARCHIVE_SUFFIXES)
    if as_tar and out.exists():
        raise EtlError(f"备份文件 {out} 已存在，请换一个文件名。")
    with publish.writer_lock(p, lock_timeout):
        publish.recover(p)
        version = publish.current_version(p)
        if version is None:
            raise EtlError(f"{p.root} 中还没有数据仓库，无法备份。")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"npc-backup-{stamp}-v{version:06d}"
        parent = out.parent if as_tar else out
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))
        try:
            manifest = _write(p, work, version, user, export)
            if as_tar:
                part = out.with_name(out.name + ".part")
                with tarfile.open(part, "w:gz") as tar:
                    tar.add(work, arcname=name)
                os.replace(part, out)
                target = out
            else:
                target = out / name
                _fsync_tree(work)
                os.rename(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if as_tar:
                out.with_name(out.name + ".part").unlink(missing_ok=True)
        seconds = time.monotonic() - t0
        size = sum(f["bytes"] for f in manifest["files"].values())
        store = p.store()
        store.audit(user, "backup", f"v{version}", "accepted",
                    f"{target}（{len(manifest['files'])}个文件，{size / 1e6:.1f} MB，用时{seconds:.1f}秒）")
        store.close()
    return target, manifest, seconds


def _write(p: publish.Paths, work: Path, version: int, user: str, export: bool) -> dict:
    (work / "warehouse").mkdir()
    snap = p.snapshot(version)
    shutil.copyfile(snap, work / "warehouse" / snap.name)
    (work / "warehouse" / "CURRENT").write_text(f"{snap.name}\n", encoding="utf-8")
    (work / "uploads").mkdir()
    if p.uploads.exists():
        for f in sorted(p.uploads.iterdir()):
            if f.is_file() and not f.name.endswith(".part"):
                shutil.copyfile(f, work / "uploads" / f.name)
    src = sqlite3.connect(p.app_db)
    dst = sqlite3.connect(work / "app.sqlite")
    try:
        src.backup(dst)  # a consistent copy even while others append to the store
    finally:
        dst.close()
        src.close()
    if export:
        # export from the private copy: the live snapshot may be open in this process with the locked-down config
        con = duckdb.connect(str(work / "warehouse" / snap.name), read_only=True)
        try:
            con.execute(f"EXPORT DATABASE '{work / 'export'}' (FORMAT parquet)")
        finally:
            con.close()
    files = {}
    for f in sorted(work.rglob("*")):
        if f.is_file():
            files[f.relative_to(work).as_posix()] = {"sha256": sha256_file(f), "bytes": f.stat().st_size}
    manifest = {"format": FORMAT, "created_at": datetime.now().isoformat(timespec="seconds"), "created_by": user,
                "source": str(p.root), "version": version, "snapshot": f"warehouse/{snap.name}",
                "duckdb": duckdb.__version__, "files": files, "signatures": snapshot_signature(snap),
                "app_store": store_counts(work / "app.sqlite")}
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _unpack(path: Path, into: Path) -> Path:
    """A backup directory from `path` (a directory, or a .tar.gz extracted safely into `into`)."""
    if path.is_dir():
        return path
    if not path.is_file():
        raise EtlError(f"找不到备份 {path}。")
    try:
        with tarfile.open(path, "r:*") as tar:
            tar.extractall(into, filter="data")  # refuses absolute paths, '..' and links out of the tree
    except (tarfile.TarError, OSError) as exc:
        raise EtlError(f"备份文件 {path.name} 无法解开（{exc}），可能已损坏。") from exc
    found = [d for d in into.iterdir() if (d / MANIFEST).exists()]
    if len(found) != 1:
        raise EtlError(f"{path.name} 不是本系统的备份：其中没有 {MANIFEST}。")
    return found[0]


def verify(src: Path) -> dict:
    """Read the manifest and check every file's size and sha256 (before anything is written)."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EtlError(f"{src} 不是本系统的备份：找不到 {MANIFEST}。") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EtlError(f"备份清单 {MANIFEST} 已损坏（{exc}）。") from exc
    if manifest.get("format") != FORMAT:
        raise EtlError(f"无法识别的备份格式：{manifest.get('format')}（本程序支持 {FORMAT}）。")
    bad = []
    for rel, info in manifest["files"].items():
        f = (src / rel).resolve()
        if not f.is_relative_to(src.resolve()):
            raise EtlError(f"备份清单含有非法路径：{rel}")
        if not f.is_file():
            bad.append(f"{rel}（缺失）")
        elif f.stat().st_size != info["bytes"] or sha256_file(f) != info["sha256"]:
            bad.append(f"{rel}（SHA256 与清单不符）")
    for needed in (manifest["snapshot"], "app.sqlite", "warehouse/CURRENT"):
        if needed not in manifest["files"]:
            bad.append(f"{needed}（清单中没有）")
    if bad:
        raise EtlError("备份校验失败，未做任何改动：" + "；".join(bad[:10]) + ("……" if len(bad) > 10 else ""))
    return manifest


def restore(backup_path: str | Path, target: publish.Paths, user: str = "系统",
            force: bool = False) -> tuple[int, float, dict]:
    """Restore a backup into data directory `target`. Returns (version, seconds, manifest)."""
    t0 = time.monotonic()
    root = target.root
    if root.exists() and not root.is_dir():
        raise EtlError(f"{root} 不是目录。")
    if root.exists() and any(root.iterdir()) and not force:
        raise EtlError(f"目标目录 {root} 不是空目录，未做任何改动。恢复到新的空目录，或加 --force"
                       "（原有内容会整体移到旁边的 .before-restore 目录保留，不会删除）。")
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=root.parent) as tmp:
        src = _unpack(Path(backup_path), Path(tmp) / "unpacked")
        manifest = verify(src)
        staging = Path(tmp) / "data"
        (staging / "warehouse").mkdir(parents=True)
        for rel in manifest["files"]:
            if rel.startswith(("warehouse/", "uploads/")) or rel == "app.sqlite":
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / rel, staging / rel)
        (staging / "uploads").mkdir(exist_ok=True)
        restored = publish.data_paths(staging)
        if publish.current_version(restored) != manifest["version"]:
            raise EtlError("备份中的版本指针与清单不一致，未做任何改动。")
        sig = snapshot_signature(staging / manifest["snapshot"])
        if sig != manifest["signatures"]:
            differ = sorted(t for t in set(sig) | set(manifest["signatures"]) if sig.get(t) != manifest["signatures"].get(t))
            raise EtlError(f"恢复后的数据与备份时的签名不一致（{'、'.join(differ[:5])}），未做任何改动。")
        _fsync_tree(staging)
        if root.exists() and any(root.iterdir()):
            aside = root.with_name(f"{root.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
            os.rename(root, aside)
        elif root.exists():
            root.rmdir()
        os.rename(staging, root)
    store = target.store()
    store.audit(user, "restore", f"v{manifest['version']}", "accepted",
                f"由备份 {Path(backup_path).name}（{manifest['created_at']}）恢复，用时{time.monotonic() - t0:.1f}秒")
    store.close()
    return manifest["version"], time.monotonic() - t0, manifest
