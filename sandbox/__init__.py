"""rft.sandbox: run untrusted Python programs (model-written code and its tests) with limits.

    from rft.sandbox import Limits, Sandbox, run
    with Sandbox(workers=2) as sb:
        res = sb.run("print(input())", stdin="hi", limits=Limits(wall_s=2))   # Result(status="ok", stdout="hi\\n", ...)

Each pool slot is a warm "zygote" process that forks a fresh child per program and exec()s the
source in it, so a program costs two forks, not an interpreter start-up. Protections are probed
at start-up and layered; `Sandbox.protections()` and `rft sandbox check` list what is active.

What is covered (with the defaults, as root on Linux, which is what CI runs), layer by layer:
- Mount namespace with a minimal read-only root (deny by default): the program's / is a read-only
  tmpfs holding only /usr (with /bin, /lib, /lib64), the Python installation and the directories
  of its sys.path (bound read-only), five devices (null, zero, full, random, urandom), an /etc of
  passwd, group, loader cache and time zone, a fresh /proc, and a private tmpfs /tmp (cwd, HOME,
  TMPDIR) and /dev/shm per program. /run, /var, /home, /sys, /srv, /mnt, the host's /tmp, the
  checkout and the rest of /root are absent rather than unreadable, and so is every filesystem
  Unix socket in them (the D-Bus bus, docker.sock, a 0777 socket under /run or /tmp); the host's
  mounts are not even in the namespace (pivot_root). Nothing written there reaches the host.
- Network namespace: no network (only a downed loopback), and no host abstract Unix socket, since
  those belong to a network namespace; /proc/net shows none of the host's sockets.
- Pid namespace per program: no view of other processes, its own /proc; signals cannot reach the
  worker or the host; everything the program started dies with it.
- IPC namespace per program: the host's SysV shared memory, semaphores and message queues and
  POSIX message queues are out of reach, and what the program makes there dies with it.
- Uid/gid drop: a per-slot uid (200000+) with no groups and no capabilities, so only its own
  tmpfs is writable, and the seccomp filter and the namespaces cannot be undone.
- Seccomp filter, a second layer of another kind (which system calls, not which objects are in
  view): socket() fails with EPERM for every family (Unix pathname and abstract, inet, netlink,
  packet), so a host socket that came into view could still not be connected; socketpair() and
  pipes work (multiprocessing). Also refused: io_uring (it makes sockets without socket()), user
  namespaces (unshare, clone with CLONE_NEWUSER; clone3 answers ENOSYS so libc falls back to
  clone), keyrings (shared by a uid, so a channel between programs), perf_event_open and
  userfaultfd. Chosen over Landlock because on this kernel generation (ABI 7) Landlock cannot
  restrict connect() to a pathname Unix socket, and its abstract-socket and signal scopes and file
  rules repeat the namespaces and the read-only root; libseccomp (libseccomp.so.2, through ctypes)
  compiles the filter once at start-up for the running architecture, and each program loads the
  bytes with one prctl. It needs no root. Without the library or kernel support it is reported off
  in `protections()`, with the reason, and the pool runs without it.
- No secrets from the environment: the worker starts with an empty environment, so neither
  os.environ nor /proc/self/environ holds the caller's variables.
- Resources: wall time (SIGKILL to the group), CPU time (RLIMIT_CPU), memory (RLIMIT_AS, plus a
  cgroup v1 memory limit per slot that also bounds tmpfs), processes (cgroup pids.max and
  RLIMIT_NPROC), file size (RLIMIT_FSIZE), open files, no core dumps, output bytes.
- Clean-up: when a program ends, everything it started dies with its pid namespace (and its
  process group and cgroup are swept), so no background process outlives it.

What is not covered:
- Kernel attack surface. The seccomp filter refuses a few entry points, it is not an allow-list:
  programs share the host kernel and reach most of it, so a kernel bug is an escape. For hostile
  multi-tenant use, run programs in gVisor or a Firecracker-class microVM instead; this sandbox is
  for a model being rewarded for passing tests, on a machine you control.
- Reading what the root holds: /usr, the Python installation and its sys.path directories.
- Sockets of any kind, by design: multiprocessing.Manager, multiprocessing.connection.Listener and
  socket servers fail with PermissionError (Pool, Process, Queue and Pipe work).
- Side channels and timing, CPU contention between slots, and fairness under load.
- Threads the program leaves running are killed at exit rather than joined.
- Without root (or without namespaces), only rlimits, a session kill, a temp dir on the host and the
  seccomp filter remain: `protections()` says "NOT ISOLATED" and a NotIsolatedWarning is raised.
"""
from .limits import STATUSES, Limits, Result
from .pool import NotIsolatedWarning, Sandbox, default_sandbox, run

__all__ = ["Limits", "Result", "Sandbox", "run", "default_sandbox", "STATUSES", "NotIsolatedWarning"]
