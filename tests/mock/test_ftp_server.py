"""Real FTP clients (ftplib, curl) against the mock's FTP/FTPS server on the live state (§4.5)."""

from __future__ import annotations

import ftplib
import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hestia_mock.testing import MockHestia

pytestmark = pytest.mark.ftp

MEDIA = ("alice_media", "Media-ftp-2026")
MEDIA_DIR = "/home/alice/web/alice.example/public_html/media"
CURL = shutil.which("curl")


def login(hestia: MockHestia, user: str, password: str, tls: bool = False) -> ftplib.FTP:
    # Plain FTP is what the mock must also serve (clients upgrade with AUTH TLS); loopback only.
    client = ftplib.FTP_TLS(timeout=5) if tls else ftplib.FTP(timeout=5)
    client.connect("127.0.0.1", hestia.ftp_port)
    if isinstance(client, ftplib.FTP_TLS):
        client.auth()
        client.login(user, password)
        client.prot_p()
    else:
        client.login(user, password)
    return client


@pytest.fixture
def media(hestia: MockHestia) -> Iterator[ftplib.FTP]:
    client = login(hestia, *MEDIA)
    yield client
    client.close()


def test_login_lands_in_the_account_folder(media: ftplib.FTP) -> None:
    assert media.pwd() == "/"
    assert media.nlst() == ["logo.txt"]


@pytest.mark.parametrize("tls", [False, True])
def test_upload_and_download_inside_the_folder(hestia: MockHestia, tls: bool) -> None:
    client = login(hestia, *MEDIA, tls=tls)
    client.storbinary("STOR up.txt", io.BytesIO(b"uploaded"))
    received = io.BytesIO()
    client.retrbinary("RETR logo.txt", received.write)
    client.quit()
    assert received.getvalue() == b"logo\n"
    assert hestia.backend.fs.real(f"{MEDIA_DIR}/up.txt").read_bytes() == b"uploaded"


def test_cannot_escape_the_folder(media: ftplib.FTP, hestia: MockHestia) -> None:
    media.cwd("..")
    assert media.pwd() == "/" and media.nlst() == ["logo.txt"]
    for path in ("/etc/passwd", "../index.html", "/home/alice/web/alice.example/public_html/index.html"):
        with pytest.raises(ftplib.error_perm):
            media.retrbinary(f"RETR {path}", lambda _: None)
    # `..` above the root is clamped to the root, as a chroot does: the upload stays inside the folder
    media.storbinary("STOR ../../escaped.txt", io.BytesIO(b"x"))
    assert not hestia.backend.fs.real("/home/alice/web/alice.example/escaped.txt").exists()
    assert hestia.backend.fs.real(f"{MEDIA_DIR}/escaped.txt").exists()


@pytest.mark.parametrize(
    ("user", "password"),
    [("alice_media", "wrong"), ("alice", "Alice-demo-2026"), ("carol_site", "Carol-ftp-2026"), ("ghost", "x")],
)
def test_refused_logins(hestia: MockHestia, user: str, password: str) -> None:
    with pytest.raises(ftplib.error_perm, match="530"):
        login(hestia, user, password).close()


def test_suspended_domain_keeps_ftp_working(hestia: MockHestia) -> None:
    login(hestia, "alice_shop", "Shop-ftp-2026").quit()


def test_user_suspension_locks_and_unsuspension_unlocks(hestia: MockHestia) -> None:
    assert hestia.api("v-suspend-user", "alice").status_code == 204
    with pytest.raises(ftplib.error_perm, match="530"):
        login(hestia, *MEDIA)
    assert hestia.api("v-unsuspend-user", "alice").status_code == 204
    login(hestia, *MEDIA).quit()


def test_deleted_account_is_refused_at_once_even_in_a_session(media: ftplib.FTP, hestia: MockHestia) -> None:
    assert hestia.api("v-delete-web-domain-ftp", "alice", "alice.example", "alice_media").status_code == 204
    with pytest.raises(ftplib.error_perm):
        media.storbinary("STOR late.txt", io.BytesIO(b"x"))
    with pytest.raises(ftplib.error_perm, match="530"):
        login(hestia, *MEDIA)


def test_new_password_and_folder_apply_at_next_login(hestia: MockHestia) -> None:
    hestia.api("v-change-web-domain-ftp-password", "alice", "alice.example", "alice_media", "Fresh-pass-9")
    hestia.api("v-change-web-domain-ftp-path", "alice", "alice.example", "alice_media", "public_html")
    with pytest.raises(ftplib.error_perm, match="530"):
        login(hestia, *MEDIA)
    client = login(hestia, "alice_media", "Fresh-pass-9")
    assert sorted(client.nlst()) == ["index.html", "media"]
    client.quit()


@pytest.mark.skipif(CURL is None, reason="Debian curl is part of the test image")
@pytest.mark.parametrize("tls", [False, True])
def test_curl_upload_and_download(hestia: MockHestia, tmp_path: Path, tls: bool) -> None:
    source = tmp_path / "curl.txt"
    source.write_text("from curl\n")
    base = [str(CURL), "-sS", "--max-time", "10", "--user", "alice_media:Media-ftp-2026"]
    base += ["--ssl-reqd", "-k"] if tls else []
    url = f"ftp://127.0.0.1:{hestia.ftp_port}"
    subprocess.run([*base, "-T", str(source), f"{url}/"], check=True, capture_output=True)
    assert hestia.backend.fs.real(f"{MEDIA_DIR}/curl.txt").read_text() == "from curl\n"
    listing = subprocess.run([*base, f"{url}/"], check=True, capture_output=True, text=True).stdout
    assert "curl.txt" in listing and "logo.txt" in listing
    escaped = subprocess.run([*base, f"{url}/../../index.html"], capture_output=True, text=True)
    assert escaped.returncode != 0


@pytest.mark.skipif(CURL is None, reason="Debian curl is part of the test image")
def test_curl_wrong_password_fails(hestia: MockHestia) -> None:
    url = f"ftp://127.0.0.1:{hestia.ftp_port}/"
    result = subprocess.run(
        [str(CURL), "-sS", "--max-time", "10", "--user", "alice_media:nope", url], capture_output=True, text=True
    )
    assert result.returncode == 67  # CURLE_LOGIN_DENIED


def test_stopping_one_mock_leaves_another_serving(hestia: MockHestia) -> None:
    # pyftpdlib's default event loop is global: a second mock's stop() used to close this one's sockets.
    with MockHestia(seed="demo", ftp_tls=False) as other:
        login(other, *MEDIA).quit()
    with MockHestia(seed="demo", ftp_tls=False):
        client = login(hestia, *MEDIA)
        assert client.nlst() == ["logo.txt"]
        client.quit()
