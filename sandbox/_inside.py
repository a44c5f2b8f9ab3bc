"""What runs in the forked processes of a job (and the few system calls the zygote shares with them).

Standard library only, loaded by `_zygote.py` by file path (the zygote runs with `python -I`,
so neither file is importable by name inside a program). See `_zygote.py` for the process tree.
"""
import ctypes
import errno
import json
import os
import resource
import signal
import sys
import tempfile

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, SECCOMP_MODE_FILTER = 1, 4, 22, 38, 2
SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_CMP_MASKED_EQ = 0x7FFF0000, 0x00050000, 7
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
DEVICES = ("null", "zero", "full", "random", "urandom")
# (system call, errno it fails with, flags in its first argument that make it fail; None: always)
SECCOMP_DENY = (
    ("socket", errno.EPERM, None),  # every new socket, of any family; socketpair() stays (multiprocessing uses it)
    ("io_uring_setup", errno.EPERM, None),  # io_uring creates and connects sockets without socket()
    ("unshare", errno.EPERM, None),  # user namespaces: how an unprivileged process reaches mount, netfilter, ...
    ("clone", errno.EPERM, CLONE_NEWUSER),
    ("clone3", errno.ENOSYS, None),  # its flags are in memory a filter cannot read; ENOSYS: libc falls back to clone
    ("keyctl", errno.EPERM, None),  # keyrings belong to the uid, not the program: a channel between programs
    ("add_key", errno.EPERM, None),
    ("request_key", errno.EPERM, None),
    ("perf_event_open", errno.EPERM, None),  # frequent kernel exploit entry points that no test program needs
    ("userfaultfd", errno.EPERM, None),
)
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


def _minimal_root(uid):
    """Make this (the zygote's private) mount namespace's root a read-only tmpfs that holds only what the
    interpreter needs, and pivot_root into it. Returns the interpreter directories under /tmp, which
    each job's private /tmp covers and `_init` binds again.

    Deny by default: /run, /var, /home, the host's /tmp and every Unix socket in them are not hidden
    one by one, they are absent. The root holds /usr and the /bin, /lib-style directories (shared
    libraries, and commands for subprocess), the Python installation and the directories of sys.path,
    all bound read-only (nosuid, nodev); a /dev of five character devices; an /etc of a passwd and
    group naming the program's uid, the loader cache and the time zone; and mount points for each
    job's /proc, /tmp and /dev/shm. After pivot_root the host's mounts are not in the namespace at all.
    """
    def under(d, tops):
        return any(d == t or d.startswith(t + "/") for t in tops)

    system = [d for d in SYSTEM_DIRS if os.path.lexists(d)]
    real_system = [os.path.realpath(d) for d in system]
    wanted = {os.path.abspath(p) for p in [sys.base_prefix, sys.prefix, os.path.dirname(sys.executable),
                                           os.path.dirname(os.path.realpath(sys.executable))] + sys.path
              if os.path.isabs(p) and os.path.exists(p)}
    wanted = {d for d in wanted if not under(os.path.realpath(d), real_system)}
    python = sorted(d for d in wanted if not under(d, [e for e in wanted if e != d]))
    binds = [d for d in system if not os.path.islink(d)] + python
    devices = ["/dev/" + n for n in DEVICES if os.path.exists("/dev/" + n)]
    fds = [os.open(src, os.O_PATH) for src in binds + devices]  # /tmp, where some may lie, is about to be covered
    stage, opts = "/tmp", "size=1m,nr_inodes=1024,mode=0755"
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, opts)
    try:
        for d in system:
            if os.path.islink(d):  # merged /usr: /lib -> usr/lib
                os.symlink(os.readlink(d), stage + d)
        for d in ("/proc", "/tmp", "/etc", "/dev/shm"):
            os.makedirs(stage + d, mode=0o755, exist_ok=True)
        for src, fd in zip(binds, fds):
            _bind(fd, stage + src, readonly=True)
        for src, fd in zip(devices, fds[len(binds):]):
            _bind(fd, stage + src, readonly=False)
        for name, target in (("fd", ""), ("stdin", "/0"), ("stdout", "/1"), ("stderr", "/2")):
            os.symlink("/proc/self/fd" + target, stage + "/dev/" + name)
        etc = {"passwd": "root:x:0:0::/root:/bin/false\nsandbox:x:%d:%d::/tmp:/bin/false\n" % (uid, uid),
               "group": "root:x:0:\nsandbox:x:%d:\n" % uid}
        for name in ("ld.so.cache", "localtime"):
            if os.path.exists("/etc/" + name):
                with open("/etc/" + name, "rb") as f:
                    etc[name] = f.read()
        for name, data in etc.items():
            with open(stage + "/etc/" + name, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
        _mount(None, stage, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, opts)
        os.chdir(stage)
        _check(libc.pivot_root(b".", b"."))  # the old root now lies over the new one: detach it and all its mounts
    except BaseException:
        os.chdir("/")
        libc.umount2(stage.encode(), MNT_DETACH)
        raise
    finally:
        for fd in fds:
            os.close(fd)
    _check(libc.umount2(b".", MNT_DETACH))
    os.chdir("/")
    return [d for d in python if under(d, ["/tmp"])]


def _bind(src_fd, target, readonly):
    """Bind what `src_fd` (an O_PATH descriptor) names onto `target`, creating it as a dir or file."""
    src = "/proc/self/fd/%d" % src_fd
    if os.path.isdir(src):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "ab").close()
    _mount(src, target, None, MS_BIND | MS_REC)
    if readonly:
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


class _ScmpArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp_filter():
    """The BPF program (bytes) that refuses SECCOMP_DENY, compiled once at start-up by libseccomp,
    which knows each architecture's system call numbers and kills a caller that uses a foreign ABI
    (i386, x32); why seccomp and not Landlock is in the package docstring. Raises OSError when the library
    is missing or the kernel does not apply the filter."""
    lib = ctypes.CDLL("libseccomp.so.2")
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.c_void_p]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    out = os.memfd_create("seccomp-bpf")
    try:
        for name, err, flags in SECCOMP_DENY:
            nr = lib.seccomp_syscall_resolve_name(name.encode())
            if nr < 0:  # not a system call on this architecture
                continue
            cmp = None if flags is None else ctypes.byref(_ScmpArgCmp(0, SCMP_CMP_MASKED_EQ, flags, flags))
            rc = lib.seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO | err, nr, 0 if flags is None else 1, cmp)
            if rc < 0:
                raise OSError(-rc, "seccomp rule for %s: %s" % (name, os.strerror(-rc)))
        rc = lib.seccomp_export_bpf(ctx, out)
        if rc < 0:
            raise OSError(-rc, "seccomp_export_bpf: " + os.strerror(-rc))
        bpf = os.pread(out, os.fstat(out).st_size, 0)
    finally:
        lib.seccomp_release(ctx)
        os.close(out)
    pid = os.fork()
    if pid == 0:  # check that the kernel applies it: a child loads it and must be refused a socket
        code = 1
        try:
            _seccomp_load(bpf)
            code = 0 if libc.socket(1, 1, 0) == -1 and ctypes.get_errno() == errno.EPERM else 1
        finally:
            os._exit(code)
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
        raise OSError("the kernel did not apply the seccomp filter")
    return bpf


def _seccomp_load(bpf):
    """Install the filter on this process (and all it starts); no_new_privs lets a non-root process do it."""
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    zero = ctypes.c_ulong(0)
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), zero, zero, zero))
    _check(libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), zero, zero))


def _write(dir_fd, path, value):
    fd = os.open(path, os.O_WRONLY, dir_fd=dir_fd)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def _init(slot, job, out_w, err_w, st_w, host_tmp):
    """pid 1 of the job's namespace (or a plain session leader without one); returns an exit code."""
    os.setsid()
    _pdeathsig()
    for fd in slot.cgroups.values():
        _write(fd, slot.cgroup_name + "/cgroup.procs", os.getpid())
    tmp = host_tmp
    if slot.mountns:
        _unshare(CLONE_NEWNS | CLONE_NEWIPC)  # a copy of the zygote's minimal root; SysV IPC and mqueues of its own
        covered = [os.open(d, os.O_PATH) for d in slot.python_under_tmp]
        if slot.pidns:
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        fs = int(job["limits"]["file_size_mb"])
        own = "size=%dm,nr_inodes=4096,mode=0700,uid=%d,gid=%d" % (max(1, 4 * fs), slot.uid, slot.uid)
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, own)
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, own)  # multiprocessing's semaphores
        for d, fd in zip(slot.python_under_tmp, covered):
            _bind(fd, d, readonly=True)
            os.close(fd)
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
    if slot.seccomp:
        _seccomp_load(slot.seccomp)
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
