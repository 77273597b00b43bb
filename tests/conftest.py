"""Shared fixtures: an app on a fresh database per test, the WeChat emulator on a local port.

The suite runs on SQLite by default. With XIANFENG_TEST_POSTGRES_URL and XIANFENG_TEST_REDIS_URL
set it runs on PostgreSQL with access tokens in Redis instead, and refuses to start if either
cannot be reached (so CI never silently skips that half).
"""

import os
import shutil

import peewee
import pytest

from app import create_app
from models import MODELS, db
from models.database import bind, create_if_missing, make_database, release, upgrade
from settings import Settings, load_settings

POSTGRES_URL = os.environ.get("XIANFENG_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("XIANFENG_TEST_REDIS_URL", "")

HISTORY_KEY = "test-history-key-0123456789abcdefghij"
OA = {"app_id": "wx_test_oa", "app_secret": "oa-test-secret", "token": "test-token"}
MP = {"app_id": "wx_test_mp", "app_secret": "mp-test-secret"}


def pytest_report_header(config):
    database = "postgresql" if POSTGRES_URL else "sqlite"
    tokens = "redis" if REDIS_URL else "memory"
    return f"xianfeng: database={database} token storage={tokens}"


def pytest_sessionstart(session):
    problems = []
    if POSTGRES_URL:
        try:
            probe = make_database(POSTGRES_URL)
            probe.connect()
            probe.close()
        except peewee.DatabaseError as exc:
            problems.append(f"PostgreSQL at XIANFENG_TEST_POSTGRES_URL is unreachable: {exc}")
    if REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at XIANFENG_TEST_REDIS_URL is unreachable: {exc}")
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def history_key():
    """The register's history signed under the test key in every test, with or without an app
    (create_app sets the configured key, the same one in the test settings)."""
    from services import history

    history.use_key(HISTORY_KEY)
    return HISTORY_KEY


def postgres_schema(schema: str):
    """A URL for an empty PostgreSQL schema of this name (made anew), and its removal."""
    admin = make_database(POSTGRES_URL)
    admin.execute_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


@pytest.fixture(scope="session")
def postgres_url():
    """A schema of its own for this test run, so parallel runs on one server don't collide."""
    yield from postgres_schema(f"xianfeng_test_{os.getpid()}")


@pytest.fixture
def empty_database_url(tmp_path):
    """A database URL with nothing in it, for this test alone, on the suite's database: a new
    SQLite file, or a PostgreSQL schema of its own (for tests of the schema steps)."""
    if POSTGRES_URL:
        yield from postgres_schema(f"xianfeng_test_{os.getpid()}_empty")
        return
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    create_if_missing(url)
    yield url


@pytest.fixture(scope="session")
def migrated_template(request, tmp_path_factory):
    """A SQLite file with the schema applied once, copied for each test (or a PostgreSQL schema,
    emptied for each test)."""
    if POSTGRES_URL:
        url = request.getfixturevalue("postgres_url")
        bind(make_database(url))
        upgrade()
        release()
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    create_if_missing(f"sqlite:///{path}")
    bind(make_database(f"sqlite:///{path}"))
    upgrade()
    release()
    return path


@pytest.fixture
def database_url(migrated_template, tmp_path):
    """A database URL with an empty, fully migrated schema for this test alone."""
    if POSTGRES_URL:
        bind(make_database(migrated_template))
        tables = ", ".join(f'"{m._meta.table_name}"' for m in MODELS)
        db.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        release()
        return migrated_template
    path = tmp_path / "xianfeng.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database(database_url):
    """The models bound to this test's fresh database, with a connection open (no app)."""
    bind(make_database(database_url))
    db.connect(reuse_if_open=True)
    yield db
    release()


REDIS_PREFIX = f"xianfeng-test-{os.getpid()}"


@pytest.fixture
def redis_url():
    """The test Redis with this run's keys removed, or '' when the suite runs without Redis.

    Each run has its own key prefix, so runs sharing one Redis never see each other's keys."""
    if REDIS_URL:
        import redis

        connection = redis.Redis.from_url(REDIS_URL)
        keys = list(connection.scan_iter(f"{REDIS_PREFIX}:*"))
        if keys:
            connection.delete(*keys)
    return REDIS_URL


@pytest.fixture(scope="session")
def emulator_server():
    """The WeChat API emulator, a real HTTP server on a free local port, for the whole run."""
    from wechat.emulator import serve_emulator

    server = serve_emulator(apps={OA["app_id"]: OA["app_secret"], MP["app_id"]: MP["app_secret"]})
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    """The emulator's state (calls received, error injections), reset for this test."""
    emulator_server.state.reset()
    return emulator_server.state


@pytest.fixture
def settings_overrides(database_url, redis_url, tmp_path, emulator_server, emulator):
    """Config for a test app; tests may change keys before asking for `app`."""
    return {
        "app": {
            "secret_key": "test-secret-key-0123456789",
            "data_dir": str(tmp_path),
            "demo": "false",
        },
        "register": {"history_key": HISTORY_KEY},
        "database": {"url": database_url},
        "redis": {"url": redis_url, "key_prefix": REDIS_PREFIX},
        "storage": {"photo_dir": str(tmp_path / "photos")},
        "scheduler": {"embedded": False},
        # The suite must not depend on the hour it runs at; quiet-hour tests set their own.
        "rules": {"quiet_hours": "off"},
        "wechat": {
            "api_base_url": emulator_server.url,
            "token_storage": "redis" if redis_url else "memory",
            "official_account": dict(OA),
            "mini_program": dict(MP),
        },
    }


@pytest.fixture
def settings(settings_overrides) -> Settings:
    return load_settings(os.devnull, env={}, overrides=settings_overrides)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    # Requests open and close their own connection; test code reconnects on demand.
    db.connect(reuse_if_open=True)
    yield app
    release()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def channels(app, settings):
    """The real delivery channels, their wechatpy clients talking to the emulator."""
    from wechat.channels import build_channels
    from wechat.client import make_clients

    clients = make_clients(settings)
    yield build_channels(clients, settings)
    clients.close()


@pytest.fixture
def policy(settings):
    """The sender's policy (attempts, quiet hours) from the test's settings."""
    from services.outbox_delivery import Policy

    return Policy.from_settings(settings)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
