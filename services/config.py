"""Every setting, read once from the environment and `.env`. Nothing else reads os.environ."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import Secret

ROOT = Path(__file__).resolve().parent.parent
_config = Config(ROOT / ".env" if (ROOT / ".env").exists() else None)


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    redis_url: str
    secret_key: Secret
    token_ttl_seconds: int
    admin_session_ttl_seconds: int
    timezone: str
    graphql_max_depth: int
    graphql_max_tokens: int
    graphql_max_aliases: int
    graphql_max_cost: int  # fields a document may ask for, lists counted `first` times
    graphql_cost_list_size: int  # the length assumed for a list field without `first`
    graphql_max_fields: int  # fields once fragments are written out (graphql_schema/shape.py)
    graphql_max_repeated_fields: int  # pairs of same-named fields in one selection
    graphql_max_body_bytes: int
    graphql_max_response_bytes: int
    graphql_deadline_seconds: float  # a whole request, context to response
    db_statement_timeout_ms: int  # the API's PostgreSQL connections only
    db_pool_max: int
    # asyncpg's prepared-statement cache per connection; 0 behind PgBouncer in transaction mode
    # older than 1.21 (or with max_prepared_statements = 0), where a statement prepared on one
    # server connection is not there on the next
    db_statement_cache_size: int
    log_level: str
    log_format: str  # text | json: one JSON object per line, with the request id
    worker_metrics_port: int  # the worker's Prometheus /metrics; 0: not served
    # OpenTelemetry tracing (services/tracing.py, the `tracing` extra): off while empty
    otel_exporter_otlp_endpoint: str  # the collector's OTLP/HTTP base URL; /v1/traces is added
    otel_service_name: str
    notice_gateway: str  # outbox | http | smpp: where customer SMS go
    notice_http_url: str
    notice_http_account: str
    notice_http_secret: Secret
    notice_http_timeout_seconds: float
    notice_lease_seconds: int  # a worker's hold on a notice it is sending
    notice_relay_seconds: int  # how often the relay re-finds due notices
    notice_receipt_wait_minutes: int  # an SMS with no delivery receipt by then: a person looks
    notice_receipt_secret: Secret  # signs the HTTP gateway's receipt callbacks (docs/notices.md)
    smpp_host: str  # NOTICE_GATEWAY=smpp: the SMS centre
    smpp_port: int
    smpp_system_id: str
    smpp_password: Secret
    smpp_system_type: str
    smpp_source_addr: str  # the operator's short code the SMS come from
    smpp_window: int  # submit_sm sent and not yet answered, at most
    smpp_max_per_second: float  # throughput cap the SMS centre's contract allows (0: none)
    smpp_enquire_link_seconds: float
    smpp_submit_timeout_seconds: float  # no submit_sm_resp by then: retried later
    notice_email_gateway: str  # outbox | smtp: where customer e-mails go
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_password: Secret
    smtp_starttls: bool
    smtp_sender: str  # the From: address
    smtp_timeout_seconds: float

    @property
    def dev(self) -> bool:
        return self.env == "dev"

    @property
    def tracing(self) -> bool:
        return bool(self.otel_exporter_otlp_endpoint)


_TRUSTING_ENVS = ("dev", "test")  # the only ones that may run on a throw-away SECRET_KEY
_DEV_SECRET = "dev-only-secret-key-change-me"
_PLACEHOLDER_SECRETS = frozenset(
    {_DEV_SECRET, "change-me", "changeme", "secret", "test-secret-key"}
)
SECRET_MIN_LENGTH = 16


def _secret_key(env: str) -> Secret:
    """Fails closed: outside dev and test, a missing, placeholder or short key stops start-up
    (it signs bearer tokens and console sessions: a known key lets anyone mint an admin's)."""
    value = _config("SECRET_KEY", default="")
    if env in _TRUSTING_ENVS:
        return Secret(value or _DEV_SECRET)
    if not value:
        problem = "is not set"
    elif value in _PLACEHOLDER_SECRETS:
        problem = "is a published placeholder"
    elif len(value) < SECRET_MIN_LENGTH:
        problem = f"is shorter than {SECRET_MIN_LENGTH} characters"
    else:
        return Secret(value)
    raise SystemExit(
        f"tousu will not start: SECRET_KEY {problem} (ENV={env}). It signs bearer tokens and "
        "console sessions; set it to a long random string, e.g. SECRET_KEY=$(python3 -c "
        "'import secrets; print(secrets.token_urlsafe(48))'). For local development set "
        "ENV=dev (make run does)."
    )


def load() -> Settings:
    env = _config("ENV", default="production")
    return Settings(
        env=env,
        database_url=_config("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tousu"),
        redis_url=_config("REDIS_URL", default="redis://127.0.0.1:6379/0"),
        secret_key=_secret_key(env),
        token_ttl_seconds=_config("TOKEN_TTL_SECONDS", cast=int, default=8 * 3600),
        admin_session_ttl_seconds=_config("ADMIN_SESSION_TTL_SECONDS", cast=int, default=2 * 3600),
        timezone=_config("TIMEZONE", default="Asia/Shanghai"),
        graphql_max_depth=_config("GRAPHQL_MAX_DEPTH", cast=int, default=10),
        graphql_max_tokens=_config("GRAPHQL_MAX_TOKENS", cast=int, default=2000),
        graphql_max_aliases=_config("GRAPHQL_MAX_ALIASES", cast=int, default=15),
        graphql_max_cost=_config("GRAPHQL_MAX_COST", cast=int, default=20_000),
        graphql_cost_list_size=_config("GRAPHQL_COST_LIST_SIZE", cast=int, default=10),
        graphql_max_fields=_config("GRAPHQL_MAX_FIELDS", cast=int, default=2000),
        graphql_max_repeated_fields=_config("GRAPHQL_MAX_REPEATED_FIELDS", cast=int, default=200),
        graphql_max_body_bytes=_config("GRAPHQL_MAX_BODY_BYTES", cast=int, default=1 << 20),
        graphql_max_response_bytes=_config("GRAPHQL_MAX_RESPONSE_BYTES", cast=int, default=5 << 20),
        graphql_deadline_seconds=_config("GRAPHQL_DEADLINE_SECONDS", cast=float, default=10),
        db_statement_timeout_ms=_config("DB_STATEMENT_TIMEOUT_MS", cast=int, default=5000),
        db_pool_max=_config("DB_POOL_MAX", cast=int, default=20),
        db_statement_cache_size=_config("DB_STATEMENT_CACHE_SIZE", cast=int, default=100),
        log_level=_config("LOG_LEVEL", default="INFO"),
        log_format=_config("LOG_FORMAT", default="text"),
        worker_metrics_port=_config("WORKER_METRICS_PORT", cast=int, default=0),
        otel_exporter_otlp_endpoint=_config("OTEL_EXPORTER_OTLP_ENDPOINT", default=""),
        otel_service_name=_config("OTEL_SERVICE_NAME", default="tousu"),
        notice_gateway=_config("NOTICE_GATEWAY", default="outbox"),
        notice_http_url=_config("NOTICE_HTTP_URL", default=""),
        notice_http_account=_config("NOTICE_HTTP_ACCOUNT", default=""),
        notice_http_secret=Secret(_config("NOTICE_HTTP_SECRET", default="")),
        notice_http_timeout_seconds=_config("NOTICE_HTTP_TIMEOUT_SECONDS", cast=float, default=10),
        notice_lease_seconds=_config("NOTICE_LEASE_SECONDS", cast=int, default=60),
        notice_relay_seconds=_config("NOTICE_RELAY_SECONDS", cast=int, default=15),
        notice_receipt_wait_minutes=_config("NOTICE_RECEIPT_WAIT_MINUTES", cast=int, default=240),
        notice_receipt_secret=Secret(_config("NOTICE_RECEIPT_SECRET", default="")),
        smpp_host=_config("SMPP_HOST", default="127.0.0.1"),
        smpp_port=_config("SMPP_PORT", cast=int, default=2775),
        smpp_system_id=_config("SMPP_SYSTEM_ID", default=""),
        smpp_password=Secret(_config("SMPP_PASSWORD", default="")),
        smpp_system_type=_config("SMPP_SYSTEM_TYPE", default=""),
        smpp_source_addr=_config("SMPP_SOURCE_ADDR", default=""),
        smpp_window=_config("SMPP_WINDOW", cast=int, default=10),
        smpp_max_per_second=_config("SMPP_MAX_PER_SECOND", cast=float, default=0),
        smpp_enquire_link_seconds=_config("SMPP_ENQUIRE_LINK_SECONDS", cast=float, default=30),
        smpp_submit_timeout_seconds=_config("SMPP_SUBMIT_TIMEOUT_SECONDS", cast=float, default=10),
        notice_email_gateway=_config("NOTICE_EMAIL_GATEWAY", default="outbox"),
        smtp_host=_config("SMTP_HOST", default="127.0.0.1"),
        smtp_port=_config("SMTP_PORT", cast=int, default=25),
        smtp_username=_config("SMTP_USERNAME", default=""),
        smtp_password=Secret(_config("SMTP_PASSWORD", default="")),
        smtp_starttls=_config("SMTP_STARTTLS", cast=bool, default=False),
        smtp_sender=_config("SMTP_SENDER", default=""),
        smtp_timeout_seconds=_config("SMTP_TIMEOUT_SECONDS", cast=float, default=10),
    )


settings = load()
