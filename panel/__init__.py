"""The client panel: a Flask app factory in the flaskr style (DESIGN.md §1)."""

from __future__ import annotations

import os
from importlib.resources import files
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from panel import auth, brand, ftp, health, hooks, i18n, invite, sso
from panel.errors import register_error_handlers
from panel.extensions import EXTENSION_KEY, build_services, csrf, limiter
from panel.health import register_store_outage_handlers
from panel.login_limits import gunicorn_workers, storage_options
from panel.security import bound_request_bodies, install_security_headers, session_config
from puq_hestia.auth.limits import per_process_storage_refusal
from puq_hestia.settings import Settings

# templates/ is installed as the package panel.templates (setup.py), in editable and regular installs alike.
TEMPLATE_FOLDER = str(files("panel.templates"))
#: Set by `puq-hestia serve` for its workers once it has migrated the store.
SCHEMA_MIGRATED_ENV = "PUQ_HESTIA_SCHEMA_MIGRATED"
MAX_BODY_BYTES = 1024 * 1024


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the panel; settings from test_config["PUQ_SETTINGS"] or Settings.load() (PUQ_HESTIA_CONFIG)."""
    test_config = dict(test_config or {})
    settings: Settings = test_config.pop("PUQ_SETTINGS", None) or Settings.load()
    settings.check_production_ready()
    # gunicorn started by hand (not through `puq-hestia serve`, which checks before it starts): refuse per-process
    # login counters with several workers here, so the worker fails to boot and gunicorn stops with this reason.
    refusal = per_process_storage_refusal(settings.ratelimit_storage_uri, gunicorn_workers() or 1)
    if refusal:
        raise RuntimeError(refusal)
    app = Flask(__name__, template_folder=TEMPLATE_FOLDER, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_STORAGE_OPTIONS=storage_options(settings.ratelimit_storage_uri),
        # SECURITY.md 37: no body over 1 MiB is read, on any route; a chunked body is cut at the same size.
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES,
        RATELIMIT_HEADERS_ENABLED=True,
        # Explicit: flask-limiter keeps `enabled` on the shared Limiter and otherwise inherits the value of the
        # previous app in the process (an app built with limits off switched them off for every later app).
        RATELIMIT_ENABLED=True,
        BABEL_DEFAULT_LOCALE=settings.language,
        **session_config(settings),
    )
    app.config.update(test_config)
    if settings.trusted_proxies:
        # Behind N proxies, take the client address from X-Forwarded-For, so per-address limits work.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    # `puq-hestia serve` migrated the schema once before forking its workers (no race on a fresh store).
    migrated = os.environ.get(SCHEMA_MIGRATED_ENV) == "1"
    app.extensions[EXTENSION_KEY] = build_services(settings, migrate=not migrated)
    bound_request_bodies(app, MAX_BODY_BYTES)  # first: CSRFProtect reads the form in its own before_request
    csrf.init_app(app)
    limiter.init_app(app)
    install_security_headers(app, hsts=not settings.demo)
    i18n.init_app(app)  # the reader's language (issue 16): Flask-Babel, the switcher, translate/local_time
    register_error_handlers(app)
    register_store_outage_handlers(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(brand.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(ftp.bp)
    app.register_blueprint(invite.bp)  # invitations and access that ends (issue 17)
    app.register_blueprint(sso.bp)
    app.register_blueprint(hooks.bp)
    csrf.exempt(hooks.bp)  # billing systems prove origin with the HMAC signature, not a CSRF token

    return app
