"""Seeds made in code: customers with 1..1000 FTP users over 1..200 web domains, and many small customers.

Every seed starts from the mock's shipped `demo` seed (its settings, packages, IP and the bridge's access key),
so the bench talks to the mock exactly as the panel talks to a real server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hestia_mock.seeds import read_seed

ACCESS_KEY = "PUQDEMOACCESSKEY0001"
SECRET_KEY = "puqdemosecret000000000000000000000000001"
USER_PASSWORD = "Bench-user-2026"
FTP_PASSWORD = "Bench-ftp-2026"


@dataclass(frozen=True)
class Size:
    """One customer size: how many FTP users over how many web domains."""

    ftp_users: int
    domains: int

    @property
    def user(self) -> str:
        """The Hestia user that has this size in the scale seed."""
        return f"s{self.ftp_users}"

    @property
    def label(self) -> str:
        """How tables name the size."""
        return f"{self.ftp_users} FTP / {self.domains} dom."


#: The sizes of issue 7: 1, 10, 100 and 1000 FTP users spread over 1 to 200 web domains.
SIZES = (Size(1, 1), Size(10, 5), Size(100, 50), Size(1000, 200))
#: Sizes for the harness test (tests/bench): quick to seed and to render.
TINY_SIZES = (Size(1, 1), Size(4, 2))


def _domains(user: str, size: Size) -> dict[str, Any]:
    """SIZE.domains web domains of USER holding SIZE.ftp_users FTP users, dealt round-robin.

    Every third account has a folder, so the cards show both kinds; folders exist (`public_html` is made by
    v-add-web-domain), so the seed passes the mock's own checks.
    """
    names = [f"d{i:03d}.{user}.example" for i in range(1, size.domains + 1)]
    domains: dict[str, Any] = {name: {"ftp": []} for name in names}
    for n in range(size.ftp_users):
        account: dict[str, str] = {"suffix": f"f{n:04d}", "password": FTP_PASSWORD}
        if n % 3 == 1:
            account["path"] = "public_html"
        domains[names[n % len(names)]]["ftp"].append(account)
    return domains


def _user(name: str, domains: dict[str, Any]) -> dict[str, Any]:
    return {"password": USER_PASSWORD, "email": f"{name}@example.com", "package": "default", "domains": domains}


def scale_seed(sizes: tuple[Size, ...] = SIZES) -> dict[str, Any]:
    """The demo seed plus one customer per size (user `s<ftp_users>`)."""
    seed = read_seed("demo")
    users = dict(seed["users"])
    for size in sizes:
        users[size.user] = _user(size.user, _domains(size.user, size))
    seed["users"] = users
    seed["description"] = "bench: one customer per size of issue 7"
    return seed


def customer_name(index: int) -> str:
    """The Hestia user of the INDEX-th small customer."""
    return f"c{index:03d}"


def customers_seed(count: int, with_ftp: int = 200, ftp: Size = Size(10, 2)) -> dict[str, Any]:
    """The demo seed plus COUNT customers `c000...`: the first WITH_FTP have FTP users, the rest one domain.

    The first ones are the concurrent customers of the list page; all of them are the accounts a reseller
    suspends in the bulk-hooks benchmark.
    """
    seed = read_seed("demo")
    users = dict(seed["users"])
    for index in range(count):
        name = customer_name(index)
        users[name] = _user(name, _domains(name, ftp if index < with_ftp else Size(0, 1)))
    seed["users"] = users
    seed["description"] = f"bench: {count} customers, {with_ftp} of them with {ftp.ftp_users} FTP users"
    return seed
