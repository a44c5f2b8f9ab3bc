"""`Limits` (what one program may use) and `Result` (what happened to it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

STATUSES = ("ok", "error", "timeout", "memory", "output-limit", "killed")


@dataclass(frozen=True)
class Limits:
    """Per-program limits. Every field is enforced by the kernel or by the worker with SIGKILL."""

    wall_s: float = 5.0
    """Wall-clock seconds from fork to exit; past it the program's whole process group is killed."""
    cpu_s: float = 5.0
    """CPU seconds (RLIMIT_CPU, rounded up to whole seconds): SIGXCPU, then SIGKILL a second later."""
    memory_mb: int = 512
    """Address space (RLIMIT_AS) and, where cgroup v1 is writable, the slot's memory cgroup (tmpfs included)."""
    processes: int = 16
    """Processes and threads (cgroup pids.max where available; RLIMIT_NPROC for the dropped uid)."""
    output_bytes: int = 65536
    """stdout + stderr together; beyond it the program is killed and the output cut with a marker."""
    file_size_mb: int = 16
    """Largest file the program may write (RLIMIT_FSIZE); the private /tmp holds 4x this in all."""

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be > 0, got {value!r}")


@dataclass(frozen=True)
class Result:
    """What one program did.

    status: "ok" (exit 0), "error" (nonzero exit or uncaught exception), "timeout" (wall or CPU
    limit), "memory" (MemoryError or the memory cgroup's OOM kill), "output-limit" (stdout +
    stderr went past `output_bytes`; both cut, marked with "\\n...[truncated]"), "killed" (a
    signal for any other reason, or the worker died). exit_code: the exit status, or -N for
    signal N (as `subprocess` reports it); None when the worker died before reporting it.
    """

    status: str
    exit_code: int | None
    stdout: str
    stderr: str
    wall_s: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"
