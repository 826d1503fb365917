"""Where login failures may be counted (SECURITY.md 35), checked before the panel starts.

flask-limiter's ``memory://`` storage keeps counters inside one process, so under several gunicorn workers each
worker counts on its own and the real limit is the configured one times the number of workers. The panel then
refuses to start instead of promising a limit it does not keep; Redis (``redis://``) is shared by every worker
and machine.
"""

from __future__ import annotations

__all__ = ["per_process_storage_refusal"]

PER_PROCESS_SCHEMES = ("memory://",)


def per_process_storage_refusal(storage_uri: str, workers: int) -> str | None:
    """Why this storage cannot count logins for WORKERS processes, or None when it can."""
    if workers > 1 and storage_uri.startswith(PER_PROCESS_SCHEMES):
        return (f"refusing to start: ratelimit_storage_uri is {storage_uri!r}, which counts failed logins in "
                f"each process separately, so {workers} workers would allow {workers} times the configured "
                "login limits. Run one worker, or set ratelimit_storage_uri (or PUQ_HESTIA_RATELIMIT_URI) to a "
                "shared storage such as redis://127.0.0.1:6379 (pip install 'puq-hestia[redis]').")
    return None
