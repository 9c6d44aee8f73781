"""Several Streamlit replicas behind nginx on one machine (or the first step before several machines).

python -m deploy [--port 8080] [--replicas 2] [--data-dir D] [--run-dir R]

Starts N `streamlit run dashboard.py` processes on free loopback ports, all with the same NPC_DATA_DIR and the same
cookie secret, renders deploy/nginx.conf.template (sticky sessions by cookie, WebSocket upgrade, long read
timeout) and runs the Debian nginx unprivileged in the foreground with its own prefix, pid and logs under the
run directory. Every replica reads the snapshot named by warehouse/CURRENT on each rerun, so a publish from any
replica (or `python -m etl load`) is seen by all; the flock in warehouse/writer.lock keeps one writer at a time.
Stops everything on Ctrl-C / SIGTERM, or when any child exits.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
SHOW_UPSTREAM = "            add_header X-Upstream $upstream_addr always;\n"


class DeployError(RuntimeError):
    pass


def find_nginx() -> str | None:
    """$NPC_NGINX, else nginx on PATH, else the Debian package's /usr/sbin/nginx."""
    for candidate in (os.environ.get("NPC_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_config(prefix: Path, listen: str, replica_ports: list[int], show_upstream: bool = False) -> str:
    """nginx.conf for `listen` (e.g. 127.0.0.1:8080) in front of loopback replicas."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in replica_ports)
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        PREFIX=str(prefix), LISTEN=listen, UPSTREAM_SERVERS=servers, EXTRA=SHOW_UPSTREAM if show_upstream else "")


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DeployError(f"进程已退出（退出码 {proc.returncode}），日志 {log}：\n{_tail(log)}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise DeployError(f"{url} 在 {timeout:.0f} 秒内没有就绪，日志 {log}：\n{_tail(log)}")


def _tail(log: Path, n: int = 3000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()  # nginx: fast shutdown; streamlit: clean exit
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Stack:
    url: str                                  # through nginx
    replica_urls: list[str]                   # each replica directly (loopback)
    run_dir: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def dead(self) -> list[int]:
        return [p.pid for p in self.procs if p.poll() is not None]


def start_replica(port: int, data_dir: Path, env: dict, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    with open(log, "w") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env={**env, "NPC_DATA_DIR": str(data_dir)}, stdout=out,
                                stderr=subprocess.STDOUT)


@contextmanager
def stack(data_dir: str | Path, replicas: int = 2, port: int | None = None, run_dir: str | Path | None = None,
          show_upstream: bool = False, timeout: float = 120.0):
    """Start nginx + `replicas` Streamlit processes; yield a Stack; stop them all on exit."""
    nginx = find_nginx()
    if nginx is None:
        raise DeployError("找不到 nginx：请安装 Debian 软件包 nginx（apt-get install nginx），或用环境变量 NPC_NGINX 指定路径。")
    if replicas < 1:
        raise DeployError("副本数至少为 1。")
    data_dir = Path(data_dir).resolve()
    if run_dir is None:
        run_dir = tempfile.mkdtemp(prefix="npc_replicas_")
        os.chmod(run_dir, 0o755)  # nginx workers run as another user when the master is root
    run_dir = Path(run_dir).resolve()
    for sub in ("logs", "tmp"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    # One cookie secret for all replicas: XSRF tokens (and st.login cookies) stay valid on every replica.
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
           or secrets.token_urlsafe(32)}
    ports = [free_port() for _ in range(replicas)]
    listen_port = port or free_port()
    st = Stack(f"http://127.0.0.1:{listen_port}", [f"http://127.0.0.1:{p}" for p in ports], run_dir)
    with ExitStack() as cleanup:
        for i, p in enumerate(ports, 1):
            proc = start_replica(p, data_dir, env, run_dir / "logs" / f"replica-{i}.log")
            st.procs.append(proc)
            cleanup.callback(_stop, proc)
        for i, (u, proc) in enumerate(zip(st.replica_urls, st.procs), 1):
            wait_healthy(u, proc, run_dir / "logs" / f"replica-{i}.log", timeout)
        conf = run_dir / "nginx.conf"
        conf.write_text(render_config(run_dir, f"127.0.0.1:{listen_port}", ports, show_upstream), encoding="utf-8")
        base = [nginx, "-p", str(run_dir), "-e", str(run_dir / "logs" / "error.log"), "-c", str(conf)]
        check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, check=False)
        if check.returncode:
            raise DeployError(f"nginx 配置检查失败：{check.stderr.strip()}")
        nginx_log = run_dir / "logs" / "nginx.out"
        with open(nginx_log, "w") as out:
            proc = subprocess.Popen([*base, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT)
        st.procs.append(proc)
        cleanup.callback(_stop, proc)
        wait_healthy(st.url, proc, run_dir / "logs" / "error.log", timeout)
        yield st


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy", description="nginx + 多个 Streamlit 副本（共享同一数据目录）")
    ap.add_argument("--port", type=int, default=8080, help="nginx 监听端口（默认 8080，仅 127.0.0.1）")
    ap.add_argument("--replicas", type=int, default=2, help="Streamlit 副本数（默认 2）")
    ap.add_argument("--data-dir", default=None, help="共享数据目录（默认 $NPC_DATA_DIR 或 ./data）")
    ap.add_argument("--run-dir", default=None, help="nginx 配置、pid 与日志目录（默认新建临时目录）")
    ap.add_argument("--show-upstream", action="store_true", help="响应头 X-Upstream 标明处理请求的副本（排查用）")
    args = ap.parse_args(argv)
    data_dir = args.data_dir or os.environ.get("NPC_DATA_DIR") or ROOT / "data"
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with stack(data_dir, args.replicas, args.port, args.run_dir, args.show_upstream) as st:
            print(f"看板地址：{st.url}（nginx，会话粘滞）")
            for i, u in enumerate(st.replica_urls, 1):
                print(f"  副本{i}：{u}")
            print(f"数据目录：{Path(data_dir).resolve()}；配置与日志：{st.run_dir}。按 Ctrl-C 停止。", flush=True)
            while not stopping:
                if st.dead():
                    print(f"进程 {st.dead()} 已退出，停止全部服务；日志见 {st.run_dir / 'logs'}", file=sys.stderr)
                    return 1
                time.sleep(1)
    except DeployError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("已停止。")
    return 0
