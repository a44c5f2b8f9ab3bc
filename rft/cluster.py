"""The Ray connection shared by rollout workers (`sampler.executor: ray`) and verification workers
(`verifier.executor: ray`).

`connect(address)` joins an existing cluster (`address: auto` finds the one `ray start --head`
left on this node; `ray://host:10001` or `host:6379` a remote head) or, with no address, starts a
local one for this process: rft then declares at least as many logical CPUs as its actors ask
for, so a laptop with 2 cores can still place two verifier actors and a rollout actor (they
share the cores as processes would). On a real cluster the actors' requests are real and the
scheduler places them on whatever node has room.

Ray is an optional dependency (`pip install 'rft[ray]'`); without it `connect` raises a
`UserError` naming the YAML field that asked for it.
"""
from __future__ import annotations

import os

from rft.errors import UserError

OBJECT_STORE_BYTES = 512 * 1024**2  # a local cluster's store: weights of models up to ~100M params in fp32


def require_ray(file: str | None = None, field: str | None = None):
    try:
        import ray
    except ImportError:
        raise UserError("needs Ray, which is not installed: pip install 'rft[ray]'", file=file, field=field) from None
    return ray


def connect(address: str | None = None, *, num_cpus: float = 0, file: str | None = None,
            field: str | None = None) -> bool:
    """Join the cluster at `address`, or start a local one with at least `num_cpus` logical CPUs.
    A process already connected stays on its cluster. Whether this call connected (so the caller
    owns the connection and `shutdown()`s it)."""
    ray = require_ray(file, field)
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    # the driver's sys.path reaches the workers, so a verifier class the trainer can import (a
    # `pkg.module:Class` on PYTHONPATH, a test module) imports there too
    env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in _import_paths() if p)}}
    _check_reachable(address, file, field)
    try:
        if address:
            ray.init(address=address, runtime_env=env, log_to_driver=True)
        else:
            ray.init(num_cpus=max(int(num_cpus + 0.999), os.cpu_count() or 1), include_dashboard=False,
                     object_store_memory=OBJECT_STORE_BYTES, runtime_env=env, log_to_driver=True)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
        raise UserError(f"cannot connect to {where}: {str(e).splitlines()[0]}", file=file, field=field) from None
    return True


def _check_reachable(address: str | None, file: str | None, field: str | None, timeout_s: float = 5.0) -> None:
    """A `host:port` (or `ray://host:port`) that takes no TCP connection is refused at once: Ray
    itself would retry its GCS for minutes before giving up."""
    import socket

    if not address or address == "auto" or address.startswith("local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"expected auto, host:port or ray://host:port, got {address!r}", file=file, field=field)
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as e:
        raise UserError(f"cannot reach the Ray cluster at {address}: {e.strerror or e} (is `ray start --head` "
                        "running there?)", file=file, field=field) from None


def _import_paths() -> list[str]:
    import sys

    keep = [os.environ.get("PYTHONPATH", "")]
    keep += [p for p in sys.path if p and os.path.isdir(p) and "site-packages" not in p and "lib/python" not in p]
    return list(dict.fromkeys(keep))


def shutdown() -> None:
    """Leave the cluster (stopping it when this process started it)."""
    try:
        import ray
    except ImportError:
        return
    if ray.is_initialized():
        ray.shutdown()
