"""rft.sandbox: run untrusted Python programs (model-written code and its tests) with limits.

    from rft.sandbox import Limits, Sandbox, run
    with Sandbox(workers=2) as sb:
        res = sb.run("print(input())", stdin="hi", limits=Limits(wall_s=2))   # Result(status="ok", stdout="hi\\n", ...)

Each pool slot is a warm "zygote" process that forks a fresh child per program and exec()s the
source in it, so a program costs two forks, not an interpreter start-up. Protections are probed
at start-up and layered; `Sandbox.protections()` and `rft sandbox check` list what is active.

What is covered (with the defaults, as root on Linux, which is what CI runs):
- No network: the worker lives in its own network namespace with only a downed loopback.
- No view of other processes: each program gets a new pid namespace and its own /proc; signals
  cannot reach the worker or the host (different pid namespace and uid).
- Nothing of the host is writable: the program runs as a per-slot uid/gid (200000+) with no
  groups, in a mount namespace where /tmp (its cwd, HOME and TMPDIR) and /dev/shm are private
  tmpfs, and /var/tmp and /run/lock read-only empties; nothing mounted there reaches the host.
- No secrets from the environment: the worker starts with an empty environment, so neither
  os.environ nor /proc/self/environ holds the caller's variables; files the caller keeps
  private (mode 0600, or under a 0700 directory) are unreadable to the program's uid.
- Resources: wall time (SIGKILL to the group), CPU time (RLIMIT_CPU), memory (RLIMIT_AS, plus a
  cgroup v1 memory limit per slot that also bounds tmpfs), processes (cgroup pids.max and
  RLIMIT_NPROC), file size (RLIMIT_FSIZE), open files, no core dumps, output bytes.
- Clean-up: when a program ends, everything it started dies with its pid namespace (and its
  process group and cgroup are swept), so no background process outlives it.

What is not covered:
- Kernel attack surface. Programs share the host kernel and make any system call (no seccomp
  filter); a kernel bug is an escape. For hostile multi-tenant use, run programs in gVisor or a
  Firecracker-class microVM instead; this sandbox is for a model being rewarded for passing
  tests, on a machine you control.
- Reading the host's world-readable files (/etc, the Python install, a world-readable checkout).
- Side channels and timing, CPU contention between slots, and fairness under load.
- Threads the program leaves running are killed at exit rather than joined.
- Without root (or without namespaces), only rlimits, a session kill and a temp dir on the host
  remain: `protections()` says "NOT ISOLATED" and a NotIsolatedWarning is raised.
"""
from .limits import STATUSES, Limits, Result
from .pool import NotIsolatedWarning, Sandbox, default_sandbox, run

__all__ = ["Limits", "Result", "Sandbox", "run", "default_sandbox", "STATUSES", "NotIsolatedWarning"]
