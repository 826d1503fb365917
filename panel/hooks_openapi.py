"""The OpenAPI 3.1 document of `POST /hooks/<action>`, served at `/hooks/openapi.json`.

Built in code from the action table, so a new action cannot be forgotten here. The request schemas describe
the WHMCS params each action reads (`puq_hestia.billing.whmcs`); other params are allowed and ignored, the way a WHMCS
module receives the whole params array. Server fields (`serverhostname`, ...) are ignored by this endpoint: it
always uses the bridge's configured server for the reseller.
"""

from __future__ import annotations

from typing import Any

from puq_hestia.billing.provisioning import ACTIONS

_SUMMARIES = {
    "create_account": "Create a Hestia user and, if a domain is given, its web domain; all or nothing.",
    "suspend_account": "Suspend the account (already suspended is a success).",
    "unsuspend_account": "Unsuspend the account (already active is a success).",
    "terminate_account": "Delete the account (already gone is a success).",
    "change_password": "Change the account's password.",
    "change_package": "Move the account to another existing Hestia package.",
    "test_connection": "Check that the bridge reaches the reseller's Hestia server.",
    "usage_update": "Disk and bandwidth used and their limits for each of the reseller's accounts.",
    "single_sign_on": "A one-time panel login link for the account, valid 60 seconds.",
    "metadata": "The module's metadata (WHMCS MetaData).",
    "config_options": "The product fields (WHMCS ConfigOptions): package and create-web-domain.",
}

_STRING = {"type": "string", "maxLength": 255}
_ID = {"type": ["string", "integer"]}
_USERNAME = {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,28}[a-z0-9]$",
             "description": "The Hestia user name (lowercase letters, digits, '-'; 2-30 characters)."}
_PASSWORD = {"type": "string", "minLength": 8, "maxLength": 128,
             "description": "Printable ASCII, no ':' and not starting with '/'."}
_PACKAGE = {"type": "string", "maxLength": 66, "description": "configoption1: the Hestia package name."}

_PARAMS: dict[str, dict[str, Any]] = {
    "create_account": {
        "required": ["username", "password", "clientsdetails"],
        "properties": {
            "username": _USERNAME,
            "password": _PASSWORD,
            "domain": {"type": "string", "maxLength": 253, "description": "Optional web domain, lowercase."},
            "clientsdetails": {
                "type": "object",
                "required": ["email"],
                "properties": {"email": {"type": "string", "format": "email", "maxLength": 254},
                               "firstname": _STRING, "lastname": _STRING},
            },
            "configoption1": _PACKAGE,
            "configoption2": {"type": ["string", "boolean"], "description": "Create the domain: 'on'/''."},
            "serviceid": _ID,
        },
    },
    "change_password": {"required": ["username", "password"],
                        "properties": {"username": _USERNAME, "password": _PASSWORD, "serviceid": _ID}},
    "change_package": {"required": ["username", "configoption1"],
                       "properties": {"username": _USERNAME, "configoption1": _PACKAGE, "serviceid": _ID}},
}
_ACCOUNT: dict[str, Any] = {"required": ["username"], "properties": {"username": _USERNAME, "serviceid": _ID}}

_ERROR = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "error"}, "message": {"type": "string"}},
}
_SUCCESS_FIELDS: dict[str, dict[str, Any]] = {
    "usage_update": {"accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Usage"}}},
    "single_sign_on": {"redirectTo": {"type": "string", "format": "uri"}},
    "metadata": {"metadata": {"type": "object"}},
    "config_options": {"config_options": {"type": "object"}},
}
_USAGE = {
    "type": "object",
    "properties": {
        "username": {"type": "string"}, "package": {"type": "string"}, "suspended": {"type": "boolean"},
        "disk_used_mb": {"type": "integer"}, "disk_limit_mb": {"type": ["integer", "null"]},
        "bandwidth_used_mb": {"type": "integer"}, "bandwidth_limit_mb": {"type": ["integer", "null"]},
    },
}
_ERROR_STATUSES = {
    "400": "Malformed body or Idempotency-Key, or a body whose 'action' is missing or not this URL's.",
    "401": "Missing, malformed, wrong or expired signature; nothing was changed.",
    "404": "Unknown action, or no such account for this reseller (no Hestia call was made).",
    "409": ("Replayed request, Idempotency-Key reuse, a name that exists at Hestia (never adopted) or that would "
            "share Hestia's suspend lock with another user, or the account is suspended."),
    "413": "Body larger than 64 KiB.",
    "422": "A params value is invalid (reserved names included), or a package limit was reached.",
    "500": "Unexpected error in the bridge (JSON like every answer); nothing is known about the change.",
    "502": "Hestia refused the change.",
    "503": "Hestia is unreachable or busy; nothing was changed.",
}


def _request_schema(action: str) -> dict[str, Any]:
    """The params object an action reads, plus the optional binding fields every request may carry."""
    spec: dict[str, Any] = _PARAMS.get(action) or (_ACCOUNT if ACTIONS[action].account else {"properties": {}})
    binding = {
        "action": {"const": action, "description": "Required, equal to the action in the URL: the signature "
                                                   "covers the body, so this binds it to one action."},
        "nonce": {"type": "string", "maxLength": 64,
                  "description": "Random per call, so two calls in one second never share a signature."},
    }
    properties = {**binding, **spec["properties"]}
    required = ["action", *spec.get("required", [])]
    return {"type": "object", "additionalProperties": True, **spec, "properties": properties, "required": required}


def _operation(action: str) -> dict[str, Any]:
    """One path item: POST with the signed JSON params, JSON result."""
    success = {"type": "object", "required": ["result"],
               "properties": {"result": {"const": "success"}, **_SUCCESS_FIELDS.get(action, {})}}
    responses: dict[str, Any] = {
        "200": {"description": "Done.", "content": {"application/json": {"schema": success}}},
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, description in _ERROR_STATUSES.items():
        responses[status] = {"description": description, "content": error}
    return {
        "post": {
            "operationId": action,
            "summary": _SUMMARIES.get(action, action),
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _request_schema(action)}}},
            "responses": responses,
        }
    }


def _header(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "apiKey", "in": "header", "name": name, "description": description, "x-schema": schema}


def openapi_document(server_url: str) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, with the bridge's own URL as the server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "puq-hestia billing hooks",
            "version": "1",
            "description": (
                "WHMCS-style provisioning for resellers. Sign every request: X-Puq-Timestamp is the current "
                "Unix time (±300 s), X-Puq-Signature is 'sha256=' + hex HMAC-SHA256 over "
                "timestamp + '.' + raw body with the reseller's secret. The body must carry "
                "\"action\": \"<the URL's action>\" (refused without it), so a signature cannot be moved to "
                "another action; the signed string stays one byte string, untouched by proxies that rewrite "
                "paths. A signed request is accepted once. A reseller acts only on accounts it created; "
                "create_account never adopts a name that exists at Hestia, and terminate ends the ownership."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"reseller": [], "timestamp": [], "signature": []}],
        "paths": {f"/hooks/{action}": _operation(action) for action in ACTIONS},
        "components": {
            "securitySchemes": {
                "reseller": _header("X-Puq-Reseller", "The reseller id.", {"type": "string"}),
                "timestamp": _header("X-Puq-Timestamp", "Unix seconds.",
                                     {"type": "string", "pattern": "^[0-9]+$"}),
                "signature": _header("X-Puq-Signature", "sha256=<64 hex digits>.",
                                     {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"}),
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key", "in": "header", "required": False,
                    "description": ("A redelivery with the same key and body gets the stored answer; only the "
                                    "same key finishes a create whose outcome stayed unknown. A single-sign-on "
                                    "record keeps no link: its redelivery gets a new one."),
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                },
            },
            "schemas": {"Error": _ERROR, "Usage": _USAGE},
        },
    }
