"""Hostile programs against rft.sandbox, one property per test (as nanochat's tests/test_execution.py).

Each test asserts the exact status and that the host is unchanged. They need what CI has: Linux,
root (namespaces, mounts, a uid drop) and, for the memory/pids parts, cgroup v1.
"""
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from rft.sandbox import Limits, Sandbox

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="isolation needs root (namespaces, uid drop); CI runs as root")

FAST = Limits(wall_s=2.0, cpu_s=2.0, memory_mb=256, processes=8, output_bytes=10_000, file_size_mb=4)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(workers=2, limits=FAST) as s:
        assert s.isolated, s.protections()
        yield s


def _host_pids_matching(marker: str) -> list[int]:
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if marker in Path(f"/proc/{d}/cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(d))
            except OSError:
                pass
    return found


def _processes_of(sb: Sandbox) -> list[int]:
    """Host processes running as one of this pool's program uids (other pools may be running)."""
    uids = {w.uid for w in sb._workers}
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid in uids:
                    pids.append(int(d))
            except OSError:
                pass
    return pids


# --------------------------------------------------------------------------- ordinary programs
def test_ok_stdout_stdin_exit_code(sb):
    res = sb.run("name = input()\nprint('hello', name)", stdin="world\n")
    assert (res.status, res.exit_code, res.stdout, res.stderr) == ("ok", 0, "hello world\n", "")
    assert res.wall_s > 0


def test_sys_exit_3_is_error_with_its_code(sb):
    res = sb.run("import sys\nprint('before')\nsys.exit(3)")
    assert (res.status, res.exit_code, res.stdout) == ("error", 3, "before\n")


def test_uncaught_exception_is_error_with_traceback(sb):
    res = sb.run("def f():\n    raise ValueError('boom')\nf()")
    assert (res.status, res.exit_code) == ("error", 1)
    assert "ValueError: boom" in res.stderr and "_zygote" not in res.stderr


def test_run_many_keeps_input_order(sb):
    results = sb.run_many([f"print({i})" for i in range(8)])
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(8)]
    assert {r.status for r in results} == {"ok"}


# --------------------------------------------------------------------------- network
def test_network_connect_to_host_loopback_listener_fails(sb):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        res = sb.run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'leak')")
        assert res.status == "error" and "OSError" in res.stderr
        with pytest.raises(BlockingIOError):  # the listener saw no connection
            listener.accept()
    finally:
        listener.close()


# --------------------------------------------------------------------------- host files
@pytest.mark.parametrize("where", ["/", "/etc", "cwd"])
def test_write_outside_private_tmp_is_refused(sb, where):
    target = Path(os.getcwd() if where == "cwd" else where) / f"rft-hostile-{uuid.uuid4().hex}"
    res = sb.run(f"open({str(target)!r}, 'w').write('pwned')")
    assert res.status == "error" and ("PermissionError" in res.stderr or "Read-only" in res.stderr), res.stderr
    assert not target.exists()


def test_write_to_tmp_goes_to_a_private_tmp(sb):
    target = Path("/tmp") / f"rft-hostile-{uuid.uuid4().hex}"
    res = sb.run(f"open({str(target)!r}, 'w').write('x')\nimport os\nprint(os.listdir('/tmp'))")
    assert res.status == "ok" and res.stdout == f"[{target.name!r}]\n"  # its own empty tmpfs
    assert not target.exists()
    again = sb.run(f"import os\nprint(os.path.exists({str(target)!r}))")  # and nothing carries to the next program
    assert (again.status, again.stdout) == ("ok", "False\n")


def test_parent_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("RFT_SECRET", "s3cr3t-value")
    with Sandbox(workers=1, limits=FAST) as fresh:  # started after the variable was set
        res = fresh.run("import os\nprint(os.environ.get('RFT_SECRET'))\n"
                        "print(open('/proc/self/environ', 'rb').read())")
    assert res.status == "ok" and "s3cr3t-value" not in res.stdout
    assert res.stdout.startswith("None\n")


@pytest.mark.parametrize("where", ["tmp_path", "cwd"])
def test_private_host_file_is_unreadable(sb, tmp_path, where):
    # under /tmp the program sees its own tmpfs instead; in the cwd the path exists and the uid blocks it
    fd, name = tempfile.mkstemp(prefix=".rft-secret-", dir=tmp_path if where == "tmp_path" else os.getcwd())
    secret = Path(name)
    try:
        os.write(fd, b"top-secret-content")
        os.close(fd)
        secret.chmod(0o600)
        res = sb.run(f"print(open({str(secret)!r}).read())")
        assert res.status == "error" and "top-secret-content" not in res.stdout + res.stderr
        assert ("PermissionError" if where == "cwd" else "FileNotFoundError") in res.stderr
        assert secret.read_text() == "top-secret-content"
    finally:
        secret.unlink()


# --------------------------------------------------------------------------- resources
def test_memory_bomb_single_allocation(sb):
    res = sb.run("x = bytearray(4 * 1024**3)")
    assert res.status == "memory"


def test_memory_bomb_gradual(sb):
    res = sb.run("chunks = []\nwhile True:\n    chunks.append(bytearray(b'x' * 10**6))")
    assert res.status == "memory"


def test_fork_bomb_is_bounded(sb):
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    t0 = time.monotonic()
    res = sb.run(code, limits=Limits(wall_s=2.0, cpu_s=2.0, processes=8))
    assert res.status == "timeout"
    assert time.monotonic() - t0 < 4.0
    assert _processes_of(sb) == []  # every fork died with the program


def test_infinite_loop_times_out(sb):
    res = sb.run("while True:\n    pass", limits=Limits(wall_s=1.0, cpu_s=5.0))
    assert res.status == "timeout" and 0.9 < res.wall_s < 2.0


def test_cpu_spin_in_c_times_out(sb):
    # catastrophic backtracking: one call into the C regex engine that never returns to Python
    res = sb.run("import re\nre.match('(a+)+$', 'a' * 40 + 'b')", limits=Limits(wall_s=1.5, cpu_s=1.0))
    assert res.status == "timeout" and res.wall_s < 3.0


def test_sleep_past_wall_limit_times_out(sb):
    res = sb.run("import time\ntime.sleep(100)", limits=Limits(wall_s=0.5))
    assert res.status == "timeout" and res.exit_code == -9


def test_output_flood_is_cut_with_marker(sb):
    res = sb.run("while True:\n    print('x' * 1000)", limits=Limits(output_bytes=10_000))
    marker = "\n...[truncated]"
    assert res.status == "output-limit"
    assert res.stdout.endswith(marker) and len(res.stdout) <= 10_000 + len(marker)


# --------------------------------------------------------------------------- the pool itself
def test_killing_the_parent_fails_and_the_pool_survives(sb):
    res = sb.run("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(-1, signal.SIGKILL)")
    assert res.status in ("error", "killed")
    assert all(w.proc.poll() is None for w in sb._workers)
    assert sb.run("print('alive')").stdout == "alive\n"


def test_killed_zygote_is_replaced():
    with Sandbox(workers=1, limits=FAST) as fresh:
        old = fresh._workers[0].proc
        old.kill()
        old.wait()
        res = fresh.run("print('recovered')")
        assert (res.status, res.stdout) == ("ok", "recovered\n")
        assert fresh._workers[0].proc.pid != old.pid


def test_background_processes_do_not_outlive_the_program(sb):
    marker = str(900000 + os.getpid() % 99999)
    code = ("import os, subprocess\n"
            f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            f"        os.execvp('sleep', ['sleep', '{marker}1'])\n"
            "    os._exit(0)\n"
            "print('spawned')")
    res = sb.run(code)
    assert (res.status, res.stdout) == ("ok", "spawned\n")
    assert _host_pids_matching(f"sleep\x00{marker}") == []


def test_rlimits_only_mode_says_it_is_not_isolated():
    with Sandbox(workers=1, limits=FAST, isolation="rlimits") as weak:
        assert not weak.isolated and weak.protections()["isolation"] == "NOT ISOLATED (rlimits only)"
        assert weak.protections()["network namespace"] is False
        res = weak.run("print(sum(range(10)))")
        assert (res.status, res.stdout) == ("ok", "45\n")
        assert weak.run("while True:\n    pass", limits=Limits(wall_s=0.5)).status == "timeout"


def test_module_level_run_is_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    from rft.sandbox import run

    with ThreadPoolExecutor(6) as ex:
        results = list(ex.map(lambda i: run(f"print({i} * 2)", wall_s=5.0), range(24)))
    assert [(r.status, r.stdout) for r in results] == [("ok", f"{i * 2}\n") for i in range(24)]
