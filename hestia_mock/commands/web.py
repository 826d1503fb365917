"""The web-domain scripts (HESTIA_API.md §5)."""

from __future__ import annotations

from hestia_mock.commands.checks import Checks, arg, format_domain, is_ipv4
from hestia_mock.commands.registry import command
from hestia_mock.render import render
from hestia_mock.state import (
    E_ARGS,
    E_EXISTS,
    E_FORBIDDEN,
    E_LIMIT,
    E_NOTEXIST,
    E_SUSPENDED,
    E_UNSUSPENDED,
    WEB_CONF_KEYS,
    WEB_LIST_KEYS,
    WEB_ONE_KEYS,
    Ip,
    User,
    WebDomain,
    fail,
)

DEFAULT_PROXY_EXT = (
    "jpg,jpeg,gif,png,ico,svg,css,zip,tgz,gz,rar,bz2,doc,xls,exe,pdf,ppt,txt,odt,ods,odp,odf,tar,wav,bmp,"
    "rtf,js,mp3,avi,mpeg,flv,html,htm"
)
# Two-part public suffixes whose domains still get the www alias (§5.1); a small, documented subset.
_TWO_PART_SUFFIXES = frozenset({"co.uk", "org.uk", "me.uk", "com.au", "net.au", "co.nz", "com.br", "co.jp"})
_SHELL_COLUMNS = (
    ("IP", "IP"),
    ("TPL", "TPL"),
    ("SSL", "SSL"),
    ("DISK", "U_DISK"),
    ("BW", "U_BANDWIDTH"),
    ("SPND", "SUSPENDED"),
    ("DATE", "DATE"),
)


class WebCommands(Checks):
    """v-list-web-domains, v-list-web-domain, v-add-web-domain, v-(un)suspend-web-domain."""

    @command("v-list-web-domains", "USER [FORMAT]")
    def v_list_web_domains(self, *args: str) -> str:
        """All web domains of a user, in web.conf order (§5.2)."""
        self.need_args(args, 1, "v-list-web-domains")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        # Every line is parsed into the same shell variables, never reset: a key a line lacks (FTP_PATH before
        # the first FTP account, AUTH_USER, ...) shows the previous line's value (HESTIA_API.md §13.2).
        carried: dict[str, str] = {}
        rows = []
        for domain in user.domains.values():
            carried.update(domain.conf)
            rows.append((domain.name, self._web_pairs(user, domain, WEB_LIST_KEYS, carried)))
        fmt = args[1] if len(args) > 1 else "shell"
        if fmt == "shell":
            return _shell_rows(rows)
        return _csv_rows(rows) if fmt == "csv" else render(rows, fmt, "DOMAIN", _SHELL_COLUMNS)

    @command("v-list-web-domain", "USER DOMAIN [FORMAT]")
    def v_list_web_domain(self, *args: str) -> str:
        """One web domain with the longer key list of §5.3."""
        self.need_args(args, 2, "v-list-web-domain")
        self.check_user_format(arg(args, 1))
        self.check_domain_format(arg(args, 2))
        user = self.user_of(arg(args, 1))
        domain = self.domain_of(user, arg(args, 2))
        rows = [(domain.name, self._web_pairs(user, domain, WEB_ONE_KEYS))]
        return render(rows, args[2] if len(args) > 2 else "shell", "DOMAIN", _SHELL_COLUMNS)

    @command("v-add-web-domain", "USER DOMAIN [IP] [RESTART] [ALIASES] [PROXY_EXTENSIONS]")
    def v_add_web_domain(self, *args: str) -> str:
        """Create a web domain with its folders, default alias and first available IP (§5.1)."""
        self.check_web_system()
        self.need_args(args, 2, "v-add-web-domain")
        name, domain_name, ip_arg = arg(args, 1), format_domain(arg(args, 2)), arg(args, 3)
        aliases = _format_aliases(arg(args, 5))
        self.check_user_format(name)
        self.check_domain_format(domain_name)
        for alias in aliases if aliases != ["none"] else []:
            self.check_domain_format(alias, "alias")
        self.check_simple_format(ip_arg, "ip")
        self.check_simple_format(arg(args, 4), "restart")
        user = self.user_of(name)
        self.check_user_active(user)
        self._check_web_limits(user, aliases)
        self._check_domain_new(domain_name, aliases)
        if is_ipv4(domain_name):
            raise fail(E_ARGS, "Invalid domain format. IP address detected as input.")
        ip = self._ip_for(user, ip_arg)
        if self.fs.exists(f"/home/{name}/web/{domain_name}"):
            raise fail(E_EXISTS, f"Web domain folder for {domain_name} should not exist")
        self.fs.make_domain_tree(name, domain_name)
        alias_text = _alias_value(domain_name, aliases, ip)
        time, date = self.timestamp()
        values = {
            "DOMAIN": domain_name,
            "IP": ip.nat or ip.address,
            "IP6": "",
            "CUSTOM_DOCROOT": "",
            "ALIAS": alias_text,
            "TPL": user.conf.get("WEB_TEMPLATE", "default"),
            "SSL": "no",
            "SSL_FORCE": "no",
            "SSL_HOME": "same",
            "LETSENCRYPT": "no",
            "FTP_USER": "",
            "FTP_MD5": "",
            "BACKEND": user.conf.get("BACKEND_TEMPLATE", "default"),
            "PROXY": user.conf.get("PROXY_TEMPLATE", "default"),
            # Without a proxy server (nginx only) nothing is proxied: PROXY_EXT stays empty (§13.5).
            "PROXY_EXT": (arg(args, 6) or DEFAULT_PROXY_EXT) if self.settings.proxy_system else "",
            "STATS": "",
            "STATS_USER": "",
            "STATS_CRYPT": "",
            "U_DISK": "0",
            "U_BANDWIDTH": "0",
            "SUSPENDED": "no",
            "TIME": time,
            "DATE": date,
        }
        user.domains[domain_name] = WebDomain({key: values[key] for key in WEB_CONF_KEYS})
        self.bump(user.conf, "U_WEB_DOMAINS")
        self.bump(user.conf, "U_WEB_ALIASES", len([a for a in alias_text.split(",") if a]))
        return ""

    @command("v-suspend-web-domain", "USER DOMAIN [RESTART]")
    def v_suspend_web_domain(self, *args: str) -> str:
        """Suspend the vhost only; FTP accounts keep working (§4.5, §5.4)."""
        user, domain = self._web_toggle_target(args, "v-suspend-web-domain")
        if domain.conf.get("SUSPENDED") == "yes":
            raise fail(E_SUSPENDED, f"web {domain.name} is suspended")
        domain.conf["SUSPENDED"] = "yes"
        self.bump(user.conf, "SUSPENDED_WEB")
        self.recount_web_usage(user)
        return ""

    @command("v-unsuspend-web-domain", "USER DOMAIN [RESTART]")
    def v_unsuspend_web_domain(self, *args: str) -> str:
        """Unsuspend a suspended web domain (§5.4)."""
        user, domain = self._web_toggle_target(args, "v-unsuspend-web-domain")
        if domain.conf.get("SUSPENDED") != "yes":
            raise fail(E_UNSUSPENDED, f"web {domain.name} is not suspended")
        domain.conf["SUSPENDED"] = "no"
        self.bump(user.conf, "SUSPENDED_WEB", -1)
        self.recount_web_usage(user)
        return ""

    def _web_toggle_target(self, args: tuple[str, ...], command_name: str) -> tuple[User, WebDomain]:
        # Neither script checks whether the user itself is suspended (§5.4).
        self.need_args(args, 2, command_name)
        self.check_user_format(arg(args, 1))
        self.check_domain_format(arg(args, 2))
        self.check_simple_format(arg(args, 3), "restart")
        self.check_web_system()
        user = self.user_of(arg(args, 1))
        return user, self.domain_of(user, arg(args, 2))

    def _web_pairs(
        self, user: User, domain: WebDomain, keys: tuple[str, ...], values: dict[str, str] | None = None
    ) -> list[tuple[str, str]]:
        conf = domain.conf if values is None else values
        docroot = conf.get("CUSTOM_DOCROOT") or f"/home/{user.name}/web/{domain.name}/public_html/"
        return [(key, docroot if key == "DOCUMENT_ROOT" else conf.get(key, "")) for key in keys]

    def _check_web_limits(self, user: User, aliases: list[str]) -> None:
        """`is_package_full WEB_DOMAINS WEB_ALIASES` → 8."""
        limit = user.conf.get("WEB_DOMAINS", "unlimited")
        if limit != "unlimited" and int(user.conf.get("U_WEB_DOMAINS") or 0) >= int(limit):
            raise fail(E_LIMIT, "WEB_DOMAINS limit is reached :: upgrade user package")
        alias_limit = user.conf.get("WEB_ALIASES", "unlimited")
        if aliases and aliases != ["none"] and alias_limit != "unlimited" and len(aliases) > int(alias_limit):
            raise fail(E_LIMIT, "WEB_ALIASES limit is reached :: upgrade user package")

    def _check_domain_new(self, domain_name: str, aliases: list[str]) -> None:
        """`is_domain_new web`: the domain and each alias must be unknown to every user → 4."""
        taken_domains = {d for u in self.users.values() for d in u.domains}
        taken_aliases = {
            a for u in self.users.values() for d in u.domains.values() for a in d.conf["ALIAS"].split(",") if a
        }
        if domain_name in taken_domains or domain_name in taken_aliases:
            raise fail(E_EXISTS, f"Web domain {domain_name} exists")
        for alias in aliases:
            if alias != "none" and (alias in taken_domains or alias in taken_aliases):
                raise fail(E_EXISTS, f"Web alias {alias} exists")

    def _ip_for(self, user: User, ip_arg: str) -> Ip:
        """The requested IP (`is_ip_valid`) or the first one available to the user (`get_user_ip`)."""
        root = self.settings.root_user
        if ip_arg:
            ip = self.ips.get(ip_arg)
            if ip is None:
                raise fail(E_NOTEXIST, f"IP {ip_arg} doesn't exist")
            if ip.status == "dedicated" and ip.owner not in (user.name, root):
                raise fail(E_FORBIDDEN, f"IP {ip_arg} is not owned by {user.name}")
            return ip
        for ip in self.ips.values():
            if ip.owner == user.name or (ip.owner == root and ip.status == "shared"):
                return ip
        raise fail(E_NOTEXIST, "no IP is available")


def _format_aliases(raw: str) -> list[str]:
    """`format_aliases`: lowercase, split on commas, strip dots, sort -u; `none` stays as is."""
    if not raw or raw == "none":
        return [raw] if raw else []
    cleaned = {a.strip().lower().strip(".") for a in raw.split(",")}
    return sorted(a for a in cleaned if a)


def _alias_value(domain: str, aliases: list[str], ip: Ip) -> str:
    """ALIAS for the new domain: given list, `none`, or www.<domain> for apex domains (§5.1)."""
    if aliases == ["none"]:
        return ""
    if aliases:
        value = ",".join(aliases)
    else:
        labels = domain.split(".")
        apex = len(labels) <= 2 or (len(labels) == 3 and ".".join(labels[1:]) in _TWO_PART_SUFFIXES)
        value = f"www.{domain}" if apex else ""
    if ip.name:
        value = f"{value},{ip.name}" if value else ip.name
    return value


# v-list-web-domains' shell format: two fixed header lines, then the rows as echo prints them (§13.3).
_SHELL_HEADER = (
    "DOMAIN   IP   TPL   SSL   DISK   BW   SPND   DATE",
    "------   --   ---   ---   ----   --   ----   -----",
)
_CSV_HEADER = (
    "DOMAIN,IP,IP6,DOCROOT,U_DISK,U_BANDWIDTH,TPL,ALIAS,STATS,STATS_USER,SSL,SSL_HOME,LETSENCRYPT,FTP_USER,"
    "FTP_PATH,AUTH_USER,BACKEND,PROXY,PROXY_EXT,SUSPENDED,TIME,DATE"
)
_CSV_QUOTED = frozenset({"ALIAS", "STATS_USER", "FTP_USER", "FTP_PATH", "AUTH_USER", "PROXY_EXT"})


def _shell_rows(rows: list[tuple[str, list[tuple[str, str]]]]) -> str:
    lines = list(_SHELL_HEADER)
    for name, pairs in rows:
        values = dict(pairs)
        lines.append(" ".join([name, *(values[key] for _, key in _SHELL_COLUMNS)]))
    return "\n".join(lines)


def _csv_rows(rows: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """The csv format: a fixed header, and some columns always in double quotes."""
    lines = [_CSV_HEADER]
    for name, pairs in rows:
        lines.append(",".join([name, *(f'"{v}"' if k in _CSV_QUOTED else v for k, v in pairs)]))
    return "\n".join(lines)
