"""A local SMTP sink (aiosmtpd) for the demo and the tests: it accepts every message and keeps it.

    python -m hestia_mock.mailsink --port 8025 --mbox instance/demo-mail.mbox

In tests, :class:`SmtpSink` runs in the test process on loopback and holds the parsed messages. As a program
(`make demo`), each message is appended to an mbox file and its text part printed, so the demo's mail
(invitation links included) can be read in the terminal or with any mail reader (`mutt -f FILE`).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import mailbox
import socket
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["SmtpSink", "free_port", "main"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Collect:
    def __init__(self, mbox: Path | None, echo: bool) -> None:
        self.messages: list[EmailMessage] = []
        self._mbox, self._echo = mbox, echo
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message (aiosmtpd calls this for every accepted message)."""
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        if not isinstance(parsed, EmailMessage):
            return "554 unreadable message"
        with self._lock:
            self.messages.append(parsed)
            if self._mbox is not None:
                box = mailbox.mbox(self._mbox)
                box.add(envelope.original_content)
                box.close()
        if self._echo:
            body = parsed.get_body(("plain",))
            print(f"--- mail to {parsed['To']}: {parsed['Subject']}\n{body.get_content() if body else ''}", flush=True)
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd's Controller on 127.0.0.1: every message it accepts, parsed; start and stop at will."""

    def __init__(self, port: int | None = None, *, mbox: Path | None = None, echo: bool = False) -> None:
        self.port = port or free_port()
        self._handler = _Collect(mbox, echo)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far, oldest first."""
        return self._handler.messages

    def start(self) -> SmtpSink:
        """Listen (again) on the same port."""
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: a send now fails with a refused connection."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def main(argv: list[str] | None = None) -> int:
    """Run the sink until interrupted."""
    parser = argparse.ArgumentParser(description="a local SMTP sink for the demo")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--mbox", type=Path, default=Path("instance/demo-mail.mbox"))
    args = parser.parse_args(argv)
    args.mbox.parent.mkdir(parents=True, exist_ok=True)
    sink = SmtpSink(args.port, mbox=args.mbox, echo=True).start()
    print(f"SMTP sink on 127.0.0.1:{args.port}; mail is kept in {args.mbox}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
