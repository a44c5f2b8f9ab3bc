"""What runs in the forked processes of a job (and the few system calls the zygote shares with them).

Standard library only, loaded by `_zygote.py` by file path (the zygote runs with `python -I`,
so neither file is importable by name inside a program). See `_zygote.py` for the process tree.
"""
import ctypes
import json
import os
import resource
import signal
import sys
import tempfile

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
EXIT_MEMORY = 211    # the program raised MemoryError (a program could also exit 211; that is not "ok" either way)
EXIT_SETUP = 212     # the sandbox could not be set up in the child, so the program never ran
libc = ctypes.CDLL(None, use_errno=True)



def run_child(setup, err_w: int) -> None:
    """In a freshly forked child: `setup()` returns the exit code; if it raises, the sandbox could
    not be built, so say why on stderr, run nothing, and exit EXIT_SETUP. Never returns."""
    code = EXIT_SETUP
    try:
        code = setup()
    except BaseException as e:
        for fd in (2, err_w):
            try:
                os.write(fd, ("sandbox setup failed: %r\n" % (e,)).encode())
                break
            except OSError:
                pass
    os._exit(code)

def _check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def _unshare(flags):
    _check(libc.unshare(ctypes.c_int(flags)))


def _mount(src, target, fstype, flags, data=None):
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)))


def _pdeathsig():
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _expose_interpreter():
    """Let the dropped uid import the standard library when Python lives under a private directory.

    With Python under /root (mode 0700, as with pyenv), the program's uid could import nothing
    that the zygote had not imported already. Here, in the zygote's own mount namespace, each such
    private ancestor is covered by an empty read-only tmpfs and only the interpreter's directories
    are bind-mounted back, read-only: the rest of /root stays invisible.
    """
    needed = {os.path.realpath(p) for p in [sys.base_prefix, sys.prefix, os.path.dirname(sys.executable)] + sys.path
              if os.path.isdir(p)}
    hide = {}  # private ancestor -> the needed directories below it
    for d in needed:
        parts = d.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            a = "/" + "/".join(parts[:i])
            if os.stat(a).st_mode & 0o001 == 0 and a != d:
                hide.setdefault(a, set()).add(d)
                break
    for anc, dirs in hide.items():
        dirs = sorted(x for x in dirs if not any(x != y and x.startswith(y + "/") for y in dirs))
        fds = [os.open(x, os.O_PATH) for x in dirs]
        _mount("tmpfs", anc, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        for x, fd in zip(dirs, fds):
            os.makedirs(x, mode=0o755, exist_ok=True)
            _mount("/proc/self/fd/%d" % fd, x, None, MS_BIND | MS_REC)
            _mount(None, x, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
            os.close(fd)
        _mount(None, anc, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=64k,mode=0755")


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def _init(slot, job, out_w, err_w, st_w, host_tmp):
    """pid 1 of the job's namespace (or a plain session leader without one); returns an exit code."""
    os.setsid()
    _pdeathsig()
    for path in slot.cgroups.values():
        _write(os.path.join(path, "cgroup.procs"), os.getpid())
    tmp = host_tmp
    if slot.mountns:
        _unshare(CLONE_NEWNS)  # a copy of the zygote's (already private) mount namespace
        fs = int(job["limits"]["file_size_mb"])
        own = "size=%dm,nr_inodes=4096,mode=0700,uid=%d,gid=%d" % (max(1, 4 * fs), slot.uid, slot.uid)
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, own)
        if os.path.isdir("/dev/shm"):  # writable: multiprocessing's semaphores live there
            _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, own)
        for d in ("/var/tmp", "/run/lock"):
            if os.path.isdir(d):
                _mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=0755")
        if slot.pidns:
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        tmp = "/tmp"
    child = os.fork()
    if child == 0:
        def program() -> int:
            os.close(st_w)
            return _program(slot, job, out_w, err_w, tmp)

        run_child(program, err_w)
    os.close(out_w), os.close(err_w)
    while True:
        try:
            _, ws, ru = os.wait4(child, 0)
            break
        except ChildProcessError:
            return EXIT_SETUP
        except InterruptedError:
            continue
    os.write(st_w, json.dumps([ws, ru.ru_utime + ru.ru_stime]).encode())
    return 0


def _program(slot, job, out_w, err_w, tmp):
    lim = job["limits"]
    stdin = os.memfd_create("stdin")
    os.write(stdin, job["stdin"].encode())
    os.lseek(stdin, 0, os.SEEK_SET)
    os.dup2(stdin, 0), os.dup2(out_w, 1), os.dup2(err_w, 2)
    os.closerange(3, 65536)
    os.chdir(tmp)
    mb = 2**20
    cpu = max(1, int(-(-float(lim["cpu_s"]) // 1)))
    for res, val in ((resource.RLIMIT_CPU, (cpu, cpu + 1)), (resource.RLIMIT_AS, (lim["memory_mb"] * mb,) * 2),
                     (resource.RLIMIT_FSIZE, (lim["file_size_mb"] * mb,) * 2), (resource.RLIMIT_NOFILE, (256, 256)),
                     (resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_NPROC, (lim["processes"],) * 2)):
        resource.setrlimit(res, val)
    if slot.drop_uid:  # RLIMIT_NPROC binds only once we are not root
        os.setgroups([])
        os.setgid(slot.uid)
        os.setuid(slot.uid)
    _pdeathsig()  # cleared by the uid change, so set again
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # also cleared: without it /proc/self/* belongs to root
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"})
    tempfile.tempdir = None
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # as in a fresh interpreter
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    sys.stdin = open(0, "r", encoding="utf-8", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, errors="backslashreplace")
    sys.argv = ["<program>"]
    return _exec(job["code"])


def _exec(code):
    import traceback
    import types

    main = types.ModuleType("__main__")  # a fresh __main__, so `import __main__` and pickle see the program's
    sys.modules["__main__"] = main
    rc = 0
    try:
        exec(compile(code, "<program>", "exec"), main.__dict__)
    except SystemExit as e:
        if e.code is None:
            rc = 0
        elif isinstance(e.code, int):
            rc = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            rc = 1
    except MemoryError:
        rc = EXIT_MEMORY
        try:
            sys.stderr.write("MemoryError\n")
        except BaseException:
            pass
    except BaseException as e:
        rc = 1
        try:  # the traceback from the program's own frames on (not this wrapper's)
            traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        except BaseException:
            pass
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except BaseException:
            if rc == 0:
                rc = 1
    return rc
