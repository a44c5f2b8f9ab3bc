"""Hostile programs against rft.sandbox, one property per test (as nanochat's tests/test_execution.py).

Each test asserts the exact status and that the host is unchanged. They need what CI has: Linux,
root (namespaces, mounts, a uid drop) and, for the memory/pids parts, cgroup v1.
"""
import ctypes
import errno
import os
import platform
import shutil
import signal
import socket
import sys
import sysconfig
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


# --------------------------------------------------------------------------- network and host sockets
@pytest.fixture
def host_unix_listener(request):
    """A host process's Unix socket that anyone may connect to (mode 0777 in a 0777 directory);
    `request.param` is the directory to make it under, or "abstract" for the abstract namespace."""
    name = f"rft-hostile-{uuid.uuid4().hex}"
    made = None if request.param == "abstract" else Path(request.param) / name
    sock = socket.socket(socket.AF_UNIX)
    try:
        if made is None:
            path = "\0" + name
            sock.bind(path)
        else:
            made.mkdir()
            made.chmod(0o777)
            path = str(made / "s.sock")
            sock.bind(path)
            os.chmod(path, 0o777)
        sock.listen(1)
        sock.setblocking(False)
        yield sock, path
    finally:
        sock.close()
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


HOST_SOCKET_DIRS = ["/run", "/var/run", "/dev/shm", "/var/tmp", "/tmp"]


def test_network_connect_to_host_loopback_listener_fails(sb):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        res = sb.run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'leak')")
        assert res.status == "error" and "PermissionError" in res.stderr, res.stderr  # seccomp: no socket()
        with pytest.raises(BlockingIOError):  # the listener saw no connection
            listener.accept()
    finally:
        listener.close()


@pytest.mark.parametrize("host_unix_listener", ["abstract"], indirect=True)
def test_network_namespace_has_only_loopback_and_no_host_socket(sb, host_unix_listener):
    _, path = host_unix_listener
    assert "@" + path[1:] in Path("/proc/net/unix").read_text()  # the host's namespace lists it
    res = sb.run("for f in ('dev', 'unix', 'tcp', 'tcp6'):\n"
                 "    rows = open('/proc/net/' + f).read().splitlines()[2 if f == 'dev' else 1:]\n"
                 "    print(f, [r.split()[0] for r in rows])")
    assert (res.status, res.stdout) == ("ok", "dev ['lo:']\nunix []\ntcp []\ntcp6 []\n"), res.stderr


@pytest.mark.parametrize("host_unix_listener", HOST_SOCKET_DIRS, indirect=True)
def test_host_unix_socket_path_is_absent(sb, host_unix_listener):
    _, path = host_unix_listener
    res = sb.run(f"import os\nprint(os.path.exists({os.path.dirname(path)!r}), os.path.exists({path!r}))")
    assert (res.status, res.stdout) == ("ok", "False False\n"), res.stderr


@pytest.mark.parametrize("host_unix_listener", HOST_SOCKET_DIRS + ["abstract"], indirect=True)
def test_host_unix_socket_cannot_be_connected(sb, host_unix_listener):
    listener, path = host_unix_listener
    res = sb.run(f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({path!r})\ns.sendall(b'leak')")
    assert res.status == "error" and "PermissionError: [Errno 1]" in res.stderr, res.stderr
    with pytest.raises(BlockingIOError):  # the listener saw no connection
        listener.accept()


def test_socket_is_refused_for_every_family(sb):
    code = ("import socket\n"
            "for fam, typ in ((socket.AF_UNIX, socket.SOCK_STREAM), (socket.AF_UNIX, socket.SOCK_DGRAM),\n"
            "                 (socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),\n"
            "                 (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_DGRAM)):\n"
            "    try:\n"
            "        socket.socket(fam, typ).close()\n"
            "        print('created')\n"
            "    except OSError as e:\n"
            "        print(type(e).__name__, e.errno)")
    res = sb.run(code)
    assert (res.status, res.stdout) == ("ok", "PermissionError 1\n" * 6), res.stderr


def test_socketpair_and_multiprocessing_pipes_still_work(sb):
    code = ("import socket, multiprocessing as mp\n"
            "a, b = socket.socketpair()\na.sendall(b'pair')\nprint(b.recv(4).decode())\n"
            "r, w = mp.Pipe()\nw.send('pipe')\nprint(r.recv())\n"
            "q = mp.Queue()\np = mp.Process(target=q.put, args=('queue',))\np.start()\nprint(q.get())\np.join()")
    res = sb.run(code)
    assert (res.status, res.stdout) == ("ok", "pair\npipe\nqueue\n"), res.stderr


# system call (x86_64 numbers), its arguments, and the errno the filter answers with. Without the filter
# each would succeed or fail with another errno (EFAULT, EINVAL, ENOKEY).
KERNEL_ENTRY_POINTS = {
    "unshare(CLONE_NEWUSER)": (272, (0x10000000,), errno.EPERM),
    "clone(CLONE_NEWUSER)": (56, (0x10000000 | signal.SIGCHLD, 0, 0, 0, 0), errno.EPERM),
    "clone3": (435, (0, 0), errno.ENOSYS),
    "io_uring_setup": (425, (1, 0), errno.EPERM),
    "keyctl(get user keyring)": (250, (0, -4, 1), errno.EPERM),
    "add_key": (248, (b"user", b"rft", b"v", 1, -4), errno.EPERM),
    "request_key": (249, (b"user", b"rft", None, 0), errno.EPERM),
    "perf_event_open": (298, (0, 0, -1, -1, 0), errno.EPERM),
    "userfaultfd(user mode only)": (323, (1,), errno.EPERM),
}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="system call numbers are x86_64's")
@pytest.mark.parametrize("call", list(KERNEL_ENTRY_POINTS))
def test_kernel_entry_points_are_refused(sb, call):
    nr, args, want = KERNEL_ENTRY_POINTS[call]
    code = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            f"me = os.getpid()\nrc = libc.syscall({nr}, *{args!r})\n"
            "if rc == 0 and os.getpid() != me:\n    os._exit(0)  # a clone child: the parent reports\n"
            "print(rc, ctypes.get_errno() if rc == -1 else 0)")
    res = sb.run(code)
    assert (res.status, res.stdout) == ("ok", f"-1 {want}\n"), (res.stdout, res.stderr)


def test_host_sysv_shared_memory_is_unreachable(sb):
    libc = ctypes.CDLL(None, use_errno=True)
    key = uuid.uuid4().int & 0x7FFFFFFF
    shmid = libc.shmget(key, 4096, 0o3000 | 0o666)  # IPC_CREAT | IPC_EXCL, open to every uid
    assert shmid >= 0, os.strerror(ctypes.get_errno())
    try:
        res = sb.run(f"import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                     f"print(libc.shmget({key}, 0, 0), ctypes.get_errno())")
        assert (res.status, res.stdout) == ("ok", f"-1 {errno.ENOENT}\n"), res.stderr  # its own IPC namespace
    finally:
        libc.shmctl(shmid, 0, None)  # IPC_RMID


# --------------------------------------------------------------------------- host files
SYSTEM = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
INTERPRETER = [Path(p) for p in {sys.base_prefix, sys.prefix}]


def test_root_holds_only_system_dirs_and_the_interpreter(sb):
    res = sb.run("import os\nprint(sorted(os.listdir('/')))")
    assert res.status == "ok", res.stderr
    top = set(eval(res.stdout))
    assert top <= SYSTEM | {p.parts[1] for p in INTERPRETER}  # no /run, /var, /home, /sys, /srv, /mnt, ...
    assert {"proc", "tmp", "usr", "etc", "dev"} <= top


def test_directories_above_the_interpreter_show_nothing_else(sb):
    # e.g. /root holds only .pyenv, and the checkout only .venv, when that is where Python lives
    above: dict[str, set[str]] = {}
    for p in INTERPRETER:
        for a in p.parents:
            if a != Path("/") and a.parts[1] not in SYSTEM:
                above.setdefault(str(a), set()).add(p.parts[len(a.parts)])
    if not above:
        pytest.skip("the interpreter lives under a system directory")
    res = sb.run(f"import os\nprint({{d: os.listdir(d) for d in {sorted(above)!r}}})")
    assert res.status == "ok", res.stderr
    assert {d: set(names) for d, names in eval(res.stdout).items()} == above


@pytest.mark.parametrize("where", ["/", "/etc", "/usr", "interpreter"])
def test_write_to_a_visible_host_dir_is_refused(sb, where):
    where = sysconfig.get_paths()["purelib"] if where == "interpreter" else where  # bound read-only
    target = Path(where) / f"rft-hostile-{uuid.uuid4().hex}"
    res = sb.run(f"open({str(target)!r}, 'w').write('pwned')")
    assert res.status == "error" and ("PermissionError" in res.stderr or "Read-only" in res.stderr), res.stderr
    assert not target.exists()


@pytest.fixture(params=["tmp_path", "checkout", "host root"])
def host_dir(request, tmp_path):
    """A host directory the program's root does not hold: under the host's /tmp, the checkout (wherever
    it is cloned), and a world-writable directory at the host's root (not /tmp-like)."""
    if request.param == "tmp_path":
        yield tmp_path
    elif request.param == "checkout":
        yield Path(__file__).resolve().parent
    else:
        d = Path(tempfile.mkdtemp(prefix="rft-hostile-", dir="/"))
        d.chmod(0o777)
        yield d
        shutil.rmtree(d)


def test_host_file_outside_the_root_is_absent(sb, host_dir):
    fd, name = tempfile.mkstemp(prefix=".rft-secret-", dir=host_dir)
    secret = Path(name)
    try:
        os.write(fd, b"top-secret-content")
        os.close(fd)
        secret.chmod(0o644)  # world-readable: only the program's file view keeps it out
        res = sb.run(f"print(open({str(secret)!r}).read())")
        assert res.status == "error" and "FileNotFoundError" in res.stderr, res.stderr
        assert "top-secret-content" not in res.stdout + res.stderr
    finally:
        secret.unlink()


def test_write_to_host_dir_outside_the_root_fails(sb, host_dir):
    target = host_dir / f"rft-hostile-{uuid.uuid4().hex}"
    res = sb.run(f"open({str(target)!r}, 'w').write('pwned')")
    assert res.status == "error" and "FileNotFoundError" in res.stderr, res.stderr
    assert not target.exists()


def test_write_to_tmp_goes_to_a_private_tmp(sb):
    target = Path("/tmp") / f"rft-hostile-{uuid.uuid4().hex}"
    python_in_tmp = sorted({p.parts[2] for p in INTERPRETER if p.parts[1] == "tmp"})  # bound there read-only
    res = sb.run(f"open({str(target)!r}, 'w').write('x')\nimport os\nprint(sorted(os.listdir('/tmp')))")
    assert res.status == "ok" and res.stdout == f"{sorted([target.name] + python_in_tmp)!r}\n"  # its own tmpfs
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


# --------------------------------------------------------------------------- ordinary programs still work
ORDINARY = {
    "stdlib": ("import json, re, decimal, fractions\n"
               "print(json.dumps(re.findall('[0-9]+', 'a1b22')), decimal.Decimal(1) / 4, fractions.Fraction(2, 4))",
               '["1", "22"] 0.25 1/2\n'),
    "ssl": ("import ssl\nprint(ssl.create_default_context().verify_mode == ssl.CERT_REQUIRED)", "True\n"),
    "ctypes": ("import ctypes, ctypes.util\nprint(ctypes.CDLL(ctypes.util.find_library('m')).abs(-3))", "3\n"),
    "sqlite3": ("import sqlite3\nprint(sqlite3.connect(':memory:').execute('select 6 * 7').fetchone()[0])", "42\n"),
    "multiprocessing.Pool": ("import multiprocessing as mp\nwith mp.Pool(2) as p:\n    print(p.map(abs, [-1, -2]))",
                             "[1, 2]\n"),
    "threads": ("import threading\nt = threading.Thread(target=print, args=('thread',))\nt.start()\nt.join()",
                "thread\n"),
    "files in /tmp": ("import os, tempfile\nopen('/tmp/a', 'w').write('x' * 10)\n"
                      "with tempfile.NamedTemporaryFile() as f:\n    f.write(b'y')\n    f.flush()\n"
                      "    print(open('/tmp/a').read(), os.path.getsize(f.name), os.getcwd())", "xxxxxxxxxx 1 /tmp\n"),
    "/dev/urandom": ("print(len(open('/dev/urandom', 'rb').read(16)), open('/dev/null', 'w').write('x'))", "16 1\n"),
    "user and time": ("import getpass, locale, time\n"
                      "print(getpass.getuser(), locale.setlocale(locale.LC_ALL, ''), time.localtime().tm_year > 2000)",
                      "sandbox C.UTF-8 True\n"),
}


@pytest.mark.parametrize("name", list(ORDINARY))
def test_ordinary_program_works(sb, name):
    code, want = ORDINARY[name]
    res = sb.run(code)
    assert (res.status, res.stdout) == ("ok", want), res.stderr


def test_numpy_imports_when_installed(sb):
    pytest.importorskip("numpy")
    res = sb.run("import numpy as np\nprint(int(np.arange(10).sum()))")  # its shared libraries are in the root
    assert (res.status, res.stdout) == ("ok", "45\n"), res.stderr


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
