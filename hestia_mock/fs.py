"""The mock's real directory tree: Hestia paths such as /home/alice/web/x map to <root>/home/alice/web/x."""

from __future__ import annotations

import re
import shutil
import stat
import time
from pathlib import Path, PurePosixPath

# Folders v-add-web-domain creates in every domain directory (HESTIA_API.md §5.1).
DOMAIN_FOLDERS = ("public_html", "document_errors", "cgi-bin", "private", "stats", "logs")


class MockFs:
    """Maps Hestia's absolute paths into a private root folder and answers path questions over it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def real(self, hestia_path: str) -> Path:
        """The real path behind a Hestia absolute path (never outside the root)."""
        parts = [p for p in PurePosixPath("/", hestia_path).parts[1:] if p not in ("", ".", "..")]
        return self.root.joinpath(*parts)

    def exists(self, hestia_path: str) -> bool:
        """Whether the path exists in the tree."""
        return self.real(hestia_path).exists()

    def wipe(self) -> None:
        """Remove every file the mock made (the root folder itself stays)."""
        for name in ("home", "tmp"):
            shutil.rmtree(self.root / name, ignore_errors=True)
        (self.root / "home").mkdir(parents=True, exist_ok=True)

    def mkdir(self, hestia_path: str, mode: int = 0o751) -> None:
        """`mkdir -p` then chmod, as v-add-fs-directory and the FTP scripts do."""
        target = self.real(hestia_path)
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(mode)

    def write(self, hestia_path: str, text: str) -> None:
        """Create a file (and its parents) with the given text; used by seeds."""
        target = self.real(hestia_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def remove_tree(self, hestia_path: str) -> None:
        """`rm -rf` a Hestia path."""
        shutil.rmtree(self.real(hestia_path), ignore_errors=True)

    def make_domain_tree(self, user: str, domain: str) -> None:
        """The folders of a new web domain (§5.1); the domain folder itself is 751, stats and logs 551."""
        base = f"/home/{user}/web/{domain}"
        self.mkdir(base)
        for folder in DOMAIN_FOLDERS:
            self.mkdir(f"{base}/{folder}", 0o551 if folder in ("stats", "logs") else 0o751)

    def readlink_f(self, hestia_path: str) -> str | None:
        """`readlink -f`: every element but the last must exist as a directory, else no output (None).

        Symlinks inside the mock tree are not followed (the mock never creates any).
        """
        resolved: list[str] = []
        parts = [p for p in hestia_path.split("/") if p not in ("", ".")]
        for index, part in enumerate(parts):
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            resolved.append(part)
            is_last = index == len(parts) - 1
            if not is_last and not self.real("/" + "/".join(resolved)).is_dir():
                return None
        return "/" + "/".join(resolved)

    def list_directory(self, hestia_path: str, owner: str) -> list[str] | None:
        """v-list-fs-directory's `find -maxdepth 1 -printf` lines, or None when the path is missing."""
        target = self.real(hestia_path)
        if not target.exists():
            return None
        lines = [_find_line(target, "", owner)]
        if target.is_dir():
            lines += [_find_line(child, child.name, owner) for child in sorted(target.iterdir())]
        return lines


def disk_usage_mb(path: Path) -> int:
    """`du -sm`: the blocks of the tree (links not followed, each inode once), rounded up to whole MiB."""
    if not path.exists():
        return 0
    seen: set[tuple[int, int]] = set()
    total = 0
    for item in (path, *path.rglob("*")):
        info = item.lstat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
    return -(-total // (1024 * 1024))


def _find_line(path: Path, name: str, owner: str) -> str:
    # %y|%m|%TY-%Tm-%Td|%TH:%TM|%u|%g|%s|%P (HESTIA_API.md §7); the mock reports the Hestia user as owner
    info = path.lstat()
    kind = "d" if stat.S_ISDIR(info.st_mode) else "l" if stat.S_ISLNK(info.st_mode) else "f"
    moment = time.localtime(info.st_mtime)
    return "|".join((
        kind, f"{stat.S_IMODE(info.st_mode):o}", time.strftime("%Y-%m-%d", moment),
        time.strftime("%H:%M", moment), owner, owner, str(info.st_size), name,
    ))  # fmt: skip


def hestia_regex(literal: str) -> re.Pattern[str]:
    """The pattern `grep`/`sed` see for an unquoted path: a `.` matches any character (§4.1)."""
    return re.compile(re.escape(literal).replace(r"\.", "."))


def is_domain_inside(path: str, domain_dir: str) -> bool:
    """Hestia's unanchored containment test: `echo $path | grep $domain_dir` (§4.1, §7)."""
    return bool(path) and hestia_regex(domain_dir).search(path) is not None


def relative_to_domain(path: str, domain_dir: str) -> str:
    """`sed "s%$domain_dir%%"`: drop the first regex match of the domain dir (§4.1)."""
    return hestia_regex(domain_dir).sub("", path, count=1)
