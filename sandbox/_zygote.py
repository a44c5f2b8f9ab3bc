"""The warm worker ("zygote"): one per pool slot, forks one short-lived child per program.

Started by `rft.sandbox.pool` as `python -I _zygote.py UID_BASE MODE` with an empty environment (so
even `/proc/self/environ` of a program shows nothing of the caller's). Standard library only, so
it needs no import path. It speaks length-prefixed JSON on stdin/stdout: first a hello with the
protections it could set up, then one result per job.

Per job (all steps probed once at start-up; a step that failed there is skipped, and reported):

    zygote --unshare(NEWPID) + fork--> init (pid 1 of a new pid namespace; setns back after)
        setsid, joins this slot's cgroups, unshare(NEWNS | NEWIPC), mounts a fresh /proc and
        private tmpfs on /tmp and /dev/shm
        --fork--> program: stdin from a memfd, stdout/stderr to pipes, rlimits, uid/gid drop,
                  the seccomp filter, chdir /tmp, scrubbed env, then compile()+exec() of the
                  source (no interpreter start-up)
    init waits for the program and reports its wait status and CPU time on a pipe, then exits;
    the kernel kills whatever else is left in the namespace. The zygote enforces the wall clock
    and the output cap with SIGKILL to the process group, and kills what is left in the slot's
    cgroups (the no-namespace fallback) at the end.

The zygote itself lives in a private network namespace (lo down), so every program has no network,
and in a private mount namespace whose root is the minimal read-only root of `_inside._minimal_root`,
built once at start-up (so a job's mount namespace copies a handful of mounts, not the host's). It
keeps descriptors of its cgroup hierarchies, since /sys is not in that root. The seccomp filter is
compiled once too (`_inside._seccomp_filter`). What runs in the forked processes is in `_inside.py`,
loaded here by file path.
"""
import importlib.util
import json
import os
import select
import shutil
import signal
import struct
import sys
import tempfile
import time

_spec = importlib.util.spec_from_file_location("_rft_sandbox_inside",
                                               os.path.join(os.path.dirname(os.path.abspath(__file__)), "_inside.py"))
inside = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(inside)
CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = inside.CLONE_NEWNS, inside.CLONE_NEWPID, inside.CLONE_NEWNET
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = inside.MS_REC, inside.MS_PRIVATE, inside.MS_NOSUID, inside.MS_NODEV
EXIT_MEMORY, EXIT_SETUP = inside.EXIT_MEMORY, inside.EXIT_SETUP
libc, _unshare, _mount, _write, _init = inside.libc, inside._unshare, inside._mount, inside._write, inside._init
CGROOT = "/sys/fs/cgroup"


def send(obj):
    data = json.dumps(obj).encode()
    os.write(1, struct.pack("<I", len(data)) + data)


def _read_exact(fd, n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv():
    head = _read_exact(0, 4)
    if head is None:
        return None
    return json.loads(_read_exact(0, struct.unpack("<I", head)[0]))


# --------------------------------------------------------------------------- the zygote's state
class Slot:
    def __init__(self, uid, mode):
        self.uid, self.mode = uid, mode
        self.netns = self.pidns = self.mountns = self.drop_uid = False
        self.seccomp = None        # the filter's BPF program, loaded by every program
        self.cgroups = {}          # controller -> descriptor of its hierarchy (kept: the minimal root has no /sys)
        self.cgroup_name = "rft-sandbox-%d" % os.getpid()  # this slot's cgroup in each hierarchy
        self.python_under_tmp = []  # interpreter directories each job's private /tmp covers
        self.own_pidns_fd = None
        self.last_mem = self.last_pids = None  # cgroup limits as last written (skip rewriting them per job)
        self.errors = {}

    def setup(self):
        if self.mode == "rlimits":
            return
        try:  # needs no root: without namespaces, programs still get no sockets
            self.seccomp = inside._seccomp_filter()
        except OSError as e:
            self.errors["seccomp"] = str(e)
        if os.geteuid() != 0:
            self.errors["namespaces"] = "not root"
            return
        try:
            _unshare(CLONE_NEWNET)
            self.netns = True
        except OSError as e:
            self.errors["network namespace"] = str(e)
        self.drop_uid = True
        for ctl in ("memory", "pids"):
            try:
                fd = os.open(os.path.join(CGROOT, ctl), os.O_RDONLY | os.O_DIRECTORY)
                os.mkdir(self.cgroup_name, dir_fd=fd)
                self.cgroups[ctl] = fd
            except OSError as e:
                self.errors["cgroup " + ctl] = str(e)
        self.own_pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY)
        try:
            _unshare(CLONE_NEWNS)  # the zygote's own mount namespace: every job's is a copy of it
            _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here propagates to the host
            self.python_under_tmp = inside._minimal_root(self.uid)
        except OSError as e:
            self.errors["pid/mount namespace"] = str(e)
            return
        self.pidns = self.mountns = True
        probe = run_job(self, {"code": "pass", "stdin": "", "limits": PROBE_LIMITS})
        if probe["status"] != "ok":  # namespaces or mounts refused: fall back to fork + rlimits + uid drop
            self.errors["pid/mount namespace"] = probe["stderr"][-300:] or probe["status"]
            self.pidns = self.mountns = False
            # fallback jobs make their temp dirs under /tmp, which the minimal root has read-only
            _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")

    def cleanup(self):
        for fd in self.cgroups.values():
            _kill_cgroup(fd, self.cgroup_name)
            try:
                os.rmdir(self.cgroup_name, dir_fd=fd)
            except OSError:
                pass

    def protections(self):
        return {"network namespace": self.netns, "pid namespace": self.pidns,
                "minimal read-only root (mount namespace)": self.mountns,
                "private /tmp, /dev/shm, /proc": self.pidns and self.mountns, "IPC namespace": self.mountns,
                "uid/gid drop": self.drop_uid,
                "seccomp (no socket(), io_uring, user namespaces, keyrings)": self.seccomp is not None,
                "rlimits (cpu, address space, fsize, nofile, nproc, core)": True,
                "cgroup memory": "memory" in self.cgroups, "cgroup pids": "pids" in self.cgroups,
                "env scrubbed": True, "process group killed": True, "errors": self.errors}


PROBE_LIMITS = {"wall_s": 5.0, "cpu_s": 5.0, "memory_mb": 256, "processes": 4, "output_bytes": 4096, "file_size_mb": 1}


def _read(dir_fd, path):
    fd = os.open(path, os.O_RDONLY, dir_fd=dir_fd)
    try:
        return os.read(fd, 1 << 16).decode()
    finally:
        os.close(fd)


def _kill_cgroup(dir_fd, name):
    for _ in range(20):
        try:
            pids = [int(x) for x in _read(dir_fd, name + "/cgroup.procs").split()]
        except OSError:
            return
        if not pids:
            return
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.002)


def _oom_kills(slot):
    if "memory" not in slot.cgroups:
        return 0
    try:
        for line in _read(slot.cgroups["memory"], slot.cgroup_name + "/memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --------------------------------------------------------------------------- one job
def run_job(slot, job):
    lim = job["limits"]
    mem = int(lim["memory_mb"]) * 2**20
    if "memory" in slot.cgroups and slot.last_mem != mem:
        slot.last_mem = mem
        for name in ("memory.memsw.limit_in_bytes", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
            try:  # memsw must stay >= the limit: raise it first, lower it last; absent without swap accounting
                _write(slot.cgroups["memory"], slot.cgroup_name + "/" + name, mem)
            except OSError:
                if name == "memory.limit_in_bytes":
                    raise
    if "pids" in slot.cgroups and slot.last_pids != lim["processes"]:
        slot.last_pids = lim["processes"]
        _write(slot.cgroups["pids"], slot.cgroup_name + "/pids.max", int(lim["processes"]) + 1)  # + the init
    ooms = _oom_kills(slot)
    host_tmp = None
    if not slot.mountns:
        host_tmp = tempfile.mkdtemp(prefix="rft-sandbox-")
        if slot.drop_uid:
            os.chown(host_tmp, slot.uid, slot.uid)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    st_r, st_w = os.pipe()
    t0 = time.monotonic()
    if slot.pidns:
        _unshare(CLONE_NEWPID)
    try:
        pid = os.fork()
    finally:
        if slot.pidns:
            libc.setns(slot.own_pidns_fd, CLONE_NEWPID)  # later forks of the zygote stay in its own namespace
    if pid == 0:
        def init() -> int:
            os.close(out_r), os.close(err_r), os.close(st_r)
            return _init(slot, job, out_w, err_w, st_w, host_tmp)

        inside.run_child(init, err_w)  # the sandbox could not be built: never run the program then
    for fd in (out_w, err_w, st_w):
        os.close(fd)
    res = _supervise(slot, pid, lim, out_r, err_r, st_r, t0, ooms)
    if host_tmp:
        shutil.rmtree(host_tmp, ignore_errors=True)
    return res


def _supervise(slot, pid, lim, out_r, err_r, st_r, t0, ooms):
    """Collect output until init exits; SIGKILL the group on wall timeout or output overflow."""
    budget = int(lim["output_bytes"])
    bufs = {out_r: bytearray(), err_r: bytearray()}
    pidfd = os.pidfd_open(pid)
    open_fds = {out_r, err_r}
    deadline = t0 + float(lim["wall_s"])
    reason, exited, status_raw = None, False, b""
    while not exited or open_fds:
        now = time.monotonic()
        if exited:  # init is gone: drain what is buffered, briefly (writers outside a pid namespace were killed)
            wait = 0.05
        else:
            wait = max(0.0, deadline - now)
        ready, _, _ = select.select(list(open_fds) + ([] if exited else [pidfd]), [], [], wait)
        if not ready:
            if exited:
                break
            reason = "timeout"
            _kill(slot, pid)
            continue
        for fd in ready:
            if fd == pidfd:
                exited = True
                _kill(slot, pid)  # leftover processes outside a pid namespace (same group or cgroup)
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            bufs[fd] += chunk
            if len(bufs[out_r]) + len(bufs[err_r]) > budget and reason is None:
                reason = "output-limit"
                _kill(slot, pid)
    _, wstatus = os.waitpid(pid, 0)
    wall = time.monotonic() - t0
    os.close(pidfd)
    try:
        status_raw = os.read(st_r, 4096)
    except OSError:
        pass
    for fd in (out_r, err_r, st_r):
        os.close(fd)
    out, err = bytes(bufs[out_r]), bytes(bufs[err_r])
    if reason == "output-limit":
        keep = max(0, budget - len(out))
        out, err = out[:budget], err[:keep]
        marker = b"\n...[truncated]"
        out, err = out + marker, (err + marker if keep < len(bufs[err_r]) else err)
    result = {"status": reason, "exit_code": None, "stdout": out.decode("utf-8", "replace"),
              "stderr": err.decode("utf-8", "replace"), "wall_s": wall}
    if status_raw:
        ws, cpu = json.loads(status_raw)
        result["exit_code"] = os.waitstatus_to_exitcode(ws)
        if reason is None:
            result["status"] = _classify(ws, cpu, lim, _oom_kills(slot) > ooms)
    else:  # init never reported: it was killed (by us on timeout/overflow, or from outside)
        result["exit_code"] = os.waitstatus_to_exitcode(wstatus)
        if reason is None:
            result["status"] = "memory" if _oom_kills(slot) > ooms else "killed"
            if os.WIFEXITED(wstatus) and os.WEXITSTATUS(wstatus) == EXIT_SETUP:
                result["status"] = "error"
    return result


def _classify(ws, cpu, lim, oom):
    if os.WIFEXITED(ws):
        code = os.WEXITSTATUS(ws)
        return "ok" if code == 0 else ("memory" if code == EXIT_MEMORY else "error")
    sig = os.WTERMSIG(ws)
    if oom:
        return "memory"
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= float(lim["cpu_s"]) - 0.05):
        return "timeout"
    return "killed"


def _kill(slot, pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    for fd in slot.cgroups.values():
        _kill_cgroup(fd, slot.cgroup_name)


def main():
    inside._pdeathsig()  # the zygote dies with the pool that started it
    uid, mode = int(sys.argv[1]) + os.getpid(), sys.argv[2]  # a uid no other live worker has
    os.chdir("/")
    slot = Slot(uid, mode)
    slot.setup()
    # what programs usually import, paid once here instead of once per program
    import collections, functools, heapq, itertools, math, re, string, typing, traceback  # noqa: F401,E401
    send({"protections": slot.protections(), "uid": uid})
    try:
        while True:
            job = recv()
            if job is None:
                break
            send(run_job(slot, job))
    finally:
        slot.cleanup()


if __name__ == "__main__":
    main()
