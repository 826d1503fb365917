"""Every Hestia exit code maps to its own exception class through the one EXIT_CODES table."""

from __future__ import annotations

import pytest
import responses
from hestia_fakes import ACCESS_KEY, SECRET_KEY, URL, expect

from puq_hestia.hestia import errors
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import EXIT_CODES, HestiaCommandError, HestiaError
from puq_hestia.hestia.transport import Transport

# Hestia's own HTTP status for each code (HESTIA_API.md §2.3); the client must not depend on it.
HTTP_STATUS = {0: 200, 1: 400, 2: 422, 5: 401, 6: 401, 9: 401, 10: 401, 11: 400, 21: 401}

EXPECTED = {
    1: ("E_ARGS", "InvalidArgumentsError"),
    2: ("E_INVALID", "InvalidInputError"),
    3: ("E_NOTEXIST", "NotFoundError"),
    4: ("E_EXISTS", "AlreadyExistsError"),
    5: ("E_SUSPENDED", "SuspendedError"),
    6: ("E_UNSUSPENDED", "NotSuspendedError"),
    7: ("E_INUSE", "InUseError"),
    8: ("E_LIMIT", "LimitError"),
    9: ("E_PASSWORD", "AuthenticationError"),
    10: ("E_FORBIDDEN", "ForbiddenError"),
    11: ("E_DISABLED", "DisabledError"),
    12: ("E_PARSING", "BrokenConfigError"),
    13: ("E_DISK", "DiskFullError"),
    14: ("E_LA", "LoadTooHighError"),
    15: ("E_CONNECT", "ServiceConnectError"),
    16: ("E_FTP", "FtpServiceError"),
    17: ("E_DB", "DatabaseServiceError"),
    18: ("E_RRD", "RrdError"),
    19: ("E_UPDATE", "UpdateError"),
    20: ("E_RESTART", "RestartError"),
    21: ("E_API_DISABLED", "ApiDisabledError"),
}


def test_table_covers_codes_1_to_21_with_distinct_classes() -> None:
    assert {code: (name, cls.__name__) for code, (name, cls) in EXIT_CODES.items()} == EXPECTED
    classes = [cls for _, cls in EXIT_CODES.values()]
    assert len(set(classes)) == len(classes)
    assert errors.UnexpectedExitCodeError not in classes


@pytest.mark.parametrize("code", sorted(EXIT_CODES))
def test_from_exit_code(code: int) -> None:
    name, cls = EXIT_CODES[code]
    error = HestiaCommandError.from_exit_code(
        "v-add-web-domain-ftp", code, "Error: something", http_status=400
    )
    assert type(error) is cls
    assert isinstance(error, HestiaCommandError) and isinstance(error, HestiaError)
    assert (error.command, error.code, error.code_name, error.text, error.http_status) == (
        "v-add-web-domain-ftp",
        code,
        name,
        "Error: something",
        400,
    )
    assert error.outcome_unknown is False
    assert str(error) == f"v-add-web-domain-ftp failed with exit {code} ({name}): Error: something"


@pytest.mark.parametrize("code", sorted(EXIT_CODES))
def test_exit_code_header_raises_its_class(api: responses.RequestsMock, code: int) -> None:
    config = ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, max_attempts=1)
    text = f"Error: failure number {code}"
    expect(api, "v-delete-user", "bob", exit_code=code, status=HTTP_STATUS.get(code, 400), body=text)
    with pytest.raises(EXIT_CODES[code][1]) as caught:
        Transport(config, sleep=lambda _: None).run("v-delete-user", "bob")
    assert (caught.value.code, caught.value.text) == (code, text)


@pytest.mark.parametrize("code", [22, 99, 405])
def test_unknown_code_is_unexpected(code: int) -> None:
    error = HestiaCommandError.from_exit_code("v-list-user", code)
    assert type(error) is errors.UnexpectedExitCodeError
    assert (error.code, error.code_name, str(error)) == (
        code,
        "UNKNOWN",
        f"v-list-user failed with exit {code} (UNKNOWN)",
    )


def test_hierarchy() -> None:
    assert issubclass(errors.ForbiddenError, errors.AuthenticationError)
    assert issubclass(errors.ApiDisabledError, errors.AuthenticationError)
    assert issubclass(errors.HestiaUsageError, HestiaError) and issubclass(
        errors.HestiaUsageError, ValueError
    )
    assert issubclass(errors.HestiaTLSError, errors.HestiaConnectionError)
    assert issubclass(errors.HestiaTimeoutError, errors.HestiaConnectionError)
    assert issubclass(errors.HestiaServerError, errors.HestiaConnectionError)
    assert issubclass(errors.HestiaProtocolError, HestiaError)
    assert not issubclass(errors.ConfigError, HestiaError)


def test_every_hestia_error_has_outcome_unknown() -> None:
    assert errors.HestiaConnectionError("x").outcome_unknown is False
    assert errors.HestiaTimeoutError("x", outcome_unknown=True).outcome_unknown is True
    assert errors.HestiaServerError("x", status_code=502, outcome_unknown=True).status_code == 502
    assert errors.AuthenticationError("v-list-user", None).code_name == "NONE"
