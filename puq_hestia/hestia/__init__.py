"""The HestiaCP API client, and nothing of the product.

``HestiaClient(ServerConfig(...))`` speaks Hestia's single ``/api/`` endpoint: the command table
(:mod:`.commands`), the transport with its timeouts, retries and exit-code parsing (:mod:`.transport`), one
exception class per exit code (:mod:`.errors`), frozen models parsed from Hestia's JSON (:mod:`.models`) and the
circuit breaker per server (:mod:`.breaker`). It imports nothing else of ``puq_hestia`` (a test reads the
imports), so it can be lifted out and used on its own.
"""

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import ConfigError, HestiaError

__all__ = ["ConfigError", "HestiaClient", "HestiaError", "ServerConfig"]
