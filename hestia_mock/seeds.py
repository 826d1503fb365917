"""Seeds: JSON descriptions of a server, applied through the mock's own commands so state stays coherent."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hestia_mock.state import PACKAGE_FILE_KEYS, AccessKey, ApiProfile, HestiaExit, Ip, Package

if TYPE_CHECKING:
    from hestia_mock.models import Backend

SEED_DIR = Path(__file__).parent / "seeds"

# The packages every install ships, as install/common/packages/*.pkg holds them (HESTIA_API.md §6.9, §13.10);
# a seed's `default` and `system` start from these, any other package from `default` with the seed's clock.
_DEFAULT_PACKAGE = {key: "unlimited" for key in PACKAGE_FILE_KEYS} | {
    "WEB_TEMPLATE": "default",
    "BACKEND_TEMPLATE": "default",
    "PROXY_TEMPLATE": "default",
    "DNS_TEMPLATE": "default",
    "RATE_LIMIT": "200",
    "NS": "ns1.domain.tld,ns2.domain.tld",
    "SHELL": "nologin",
    "BACKUPS": "1",
    "BACKUPS_INCREMENTAL": "no",
}
SHIPPED_PACKAGES = {
    "default": _DEFAULT_PACKAGE | {"TIME": "18:00:00", "DATE": "2019-01-15"},
    "system": _DEFAULT_PACKAGE | {
        "WEB_DOMAINS": "1", "WEB_ALIASES": "1", "DNS_DOMAINS": "1", "MAIL_DOMAINS": "1", "MAIL_ACCOUNTS": "1",
        "DATABASES": "0", "TIME": "00:00:00", "DATE": "2022-01-20",
    },
}  # fmt: skip
# Access-key comments (v-add-access-key): no parentheses, commas or quotes (§13.9).
_COMMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\s._-]{0,64}[A-Za-z0-9]")


class SeedError(ValueError):
    """A seed that cannot be applied (unknown name, bad JSON, or a command it runs fails)."""


def seed_names() -> list[str]:
    """The seeds shipped in hestia_mock/seeds/."""
    return sorted(p.stem for p in SEED_DIR.glob("*.json"))


def read_seed(seed: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A seed object from a shipped name (`demo`), a JSON file path, or an already parsed mapping."""
    if isinstance(seed, Mapping):
        return dict(seed)
    path = Path(seed)
    if not path.suffix and path.name in seed_names():
        path = SEED_DIR / f"{path.name}.json"
    if not path.is_file():
        raise SeedError(f"unknown seed {seed!s} (shipped: {', '.join(seed_names())})")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SeedError(f"seed {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SeedError(f"seed {path} must hold a JSON object")
    return data


def apply_seed(backend: Backend, seed: Mapping[str, Any]) -> None:
    """Populate an empty backend from a seed object (see seeds/demo.json for the format)."""
    moment = datetime.fromisoformat(f"{seed.get('date', '2026-01-15')}T{seed.get('time', '10:00:00')}")
    saved_clock, backend.clock = backend.clock, lambda: moment
    try:
        _apply_config(backend, seed)
        users = seed.get("users", {})
        for name, spec in users.items():
            _apply_user(backend, name, spec)
        # Suspending is a web rebuild that recounts usage from the folder tree (HESTIA_API.md §13.4), so the
        # seed's own counters (`conf`) are written afterwards: they are the server's state when the seed was taken.
        for name, spec in users.items():
            for domain_name, domain in spec.get("domains", {}).items():
                if domain.get("suspended"):
                    _run(backend, "v_suspend_web_domain", name, domain_name)
        for name, spec in users.items():
            if spec.get("suspended"):
                _run(backend, "v_suspend_user", name)
        for name, spec in users.items():
            for domain_name, domain in spec.get("domains", {}).items():
                backend.users[name].domains[domain_name].conf.update(
                    {k: str(v) for k, v in domain.get("conf", {}).items()}
                )
            backend.sum_web_usage(backend.users[name])
        for key in seed.get("access_keys", []):
            _apply_access_key(backend, key)
        backend.legacy_keys.update(seed.get("legacy_keys", []))
    finally:
        backend.clock = saved_clock


def _apply_config(backend: Backend, seed: Mapping[str, Any]) -> None:
    settings = seed.get("settings", {})
    backend.settings.root_user = settings.get("ROOT_USER", "admin")
    backend.settings.api = settings.get("API", "yes")
    backend.settings.api_system = settings.get("API_SYSTEM", "1")
    backend.settings.api_allowed_ip = settings.get("API_ALLOWED_IP", "")
    backend.settings.web_system = settings.get("WEB_SYSTEM", "nginx")
    backend.settings.proxy_system = settings.get("PROXY_SYSTEM", "")
    for name, spec in seed.get("profiles", {}).items():
        backend.profiles[name] = ApiProfile(name, spec["role"], tuple(spec["commands"]))
    # Created in seed order, so the last one is the newest file (v-list-user-packages lists newest first).
    for name, overrides in seed.get("packages", {"default": {}}).items():
        base = SHIPPED_PACKAGES.get(name, _DEFAULT_PACKAGE)
        backend.packages[name] = Package(name, base | {k: str(v) for k, v in overrides.items()})
    time, date = backend.timestamp()
    for package in backend.packages.values():
        package.values |= {"TIME": package.values.get("TIME", time), "DATE": package.values.get("DATE", date)}
    for address, spec in seed.get("ips", {}).items():
        backend.ips[address] = Ip(
            address,
            spec.get("owner", backend.settings.root_user),
            spec.get("status", "shared"),
            spec.get("name", ""),
            spec.get("nat", ""),
        )


def _apply_access_key(backend: Backend, key: Mapping[str, Any]) -> None:
    """An access key file, with v-add-access-key's comment rule (§13.9) and the seed clock's TIME and DATE."""
    comment = key.get("comment", "")
    if comment and not _COMMENT_RE.fullmatch(comment):
        raise SeedError(f"seed access key {key['access_key']}: Error: invalid comment format :: {comment}")
    time, date = backend.timestamp()
    backend.access_keys[key["access_key"]] = AccessKey(
        key["access_key"],
        key["secret_key"],
        key["user"],
        tuple(key.get("permissions", ())),
        comment,
        key.get("time", time),
        key.get("date", date),
    )


def _apply_user(backend: Backend, name: str, spec: Mapping[str, Any]) -> None:
    if name == backend.settings.root_user:
        package = backend.packages[spec.get("package", "default")]
        backend.create_user(name, spec["password"], spec["email"], package, spec.get("name", ""), role="admin")
    else:
        args = [name, spec["password"], spec["email"], spec.get("package", "default")]
        _run(backend, "v_add_user", *args, *([spec["name"]] if spec.get("name") else []))
    user = backend.users[name]
    if spec.get("rkey"):
        user.conf["RKEY"] = spec["rkey"]
    user.conf.update({k: str(v) for k, v in spec.get("conf", {}).items()})  # TWOFA, LOGIN_* (§12)
    for domain_name, domain in spec.get("domains", {}).items():
        _apply_domain(backend, name, domain_name, domain)


def _apply_domain(backend: Backend, user: str, name: str, spec: Mapping[str, Any]) -> None:
    _run(backend, "v_add_web_domain", user, name, spec.get("ip", ""), "", spec.get("aliases", ""))
    base = f"/home/{user}/web/{name}"
    for folder in spec.get("folders", []):
        backend.fs.mkdir(f"{base}/{folder}")
    for path, text in spec.get("files", {}).items():
        backend.fs.write(f"{base}/{path}", text)
    for account in spec.get("ftp", []):
        extra = [account["path"]] if "path" in account else []
        _run(backend, "v_add_web_domain_ftp", user, name, account["suffix"], account["password"], *extra)


def _run(backend: Backend, method: str, *args: str) -> None:
    try:
        getattr(backend, method)(*args)
    except HestiaExit as exc:
        # only the first argument (a user name): later ones may be passwords
        raise SeedError(f"seed step {method}({args[0]!r}, ...) failed: {exc.message}") from exc
