"""One settings object for the whole process, read from the environment and an optional `.env`."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class PersistedQueriesMode(StrEnum):
    OFF = "off"
    AUTOMATIC = "automatic"  # Apollo APQ: any query, cached by its hash
    ONLY = "only"  # registered operations only (production)


class LogFormat(StrEnum):
    AUTO = "auto"  # console in development, JSON otherwise
    CONSOLE = "console"
    JSON = "json"


class AccountSeed(StrEnum):
    """Which sign-in accounts `load-data --accounts` creates (decision 0073)."""

    NONE = "none"
    STAFF = "staff"
    ALL = "all"


class ModelProvider(StrEnum):
    #: the offline local model when its extra is installed, otherwise none (docs/decisions/0063)
    AUTO = "auto"
    NONE = "none"
    LOCAL = "local"
    OPENAI = "openai"
    AZURE_OPENAI = "azure_openai"
    OLLAMA = "ollama"
    OPENAI_COMPATIBLE = "openai_compatible"
    SCRIPTED = "scripted"


#: A list setting written as comma-separated values in the environment (`a,b,c`).
CommaList = Annotated[list[str], NoDecode]

#: Browser origins allowed without configuration in development and tests: local front-ends.
LOCAL_ORIGIN_REGEX = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("pagila-graph", appauthor=False))


class Settings(BaseSettings):
    """Every knob of the server. Each field is documented in `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    environment: Environment = Environment.DEVELOPMENT

    # --- database -------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: an embedded PostgreSQL is started under data_dir.",
    )
    # a read replica for the reports and CSV exports (docs/deployment.md); unset: DATABASE_URL
    database_read_url: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    embedded_database_name: str = "pagila"
    db_pool_size: int = 20  # a fixed pool: opening connections per burst costs more (0012)
    db_max_overflow: int = 0
    db_statement_timeout_ms: int = 15_000
    # client-side: waiting for a pooled connection, opening one, and each statement (the
    # server's statement_timeout plus a margin; a frozen server never enforces its own)
    db_pool_timeout_s: float = Field(default=5.0, gt=0)
    db_connect_timeout_s: float = Field(default=5.0, gt=0)
    db_command_timeout_s: float = Field(default=20.0, gt=0)
    auto_migrate: bool = True
    auto_load_data: bool = True

    # --- accounts and tokens (docs/decisions/0070-0072) -------------------------------------
    # Signs access tokens. Unset: development makes one in data_dir/jwt.key (0600), tests make
    # one per process, production refuses to start.
    jwt_secret: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "pagila-graph"
    jwt_audience: str = "pagila-graph"
    jwt_key_id: str = "default"
    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=14 * 24 * 3600, ge=60)
    # argon2id cost; changing them makes each password be rehashed at its next login
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    password_min_length: int = Field(default=12, ge=8)

    # --- cache / rate limits ----------------------------------------------------------------
    redis_url: str | None = None
    # docs/decisions/0090-0092; docs/operations.md "Rate limits"
    rate_limit_enabled: bool | None = None  # None: on, except in ENVIRONMENT=test
    rate_limit_requests: str = "120/minute"  # HTTP requests and WebSocket operations
    rate_limit_agent: str = "10/minute"  # askAgent and agentStream, on top of the above
    # every request from one IP, signed in or not (five self-made accounts used to get five
    # buckets), new accounts per IP, and wrong passwords per account (each window must allow:
    # a back-off growing from a minute to a day)
    rate_limit_requests_per_ip: str = "300/minute"
    rate_limit_register: str = "10/hour"
    rate_limit_login_failures: str = "5/minute;20/hour;50/day"
    rate_limit_key_prefix: str = "pagila-graph"  # Redis key namespace
    # the Redis pub/sub channel every process of one deployment shares for domain events
    # (decision 0100); without REDIS_URL events stay in the process
    events_channel: str = "pagila-graph:events"
    # proxies whose X-Forwarded-For is believed (IPs or CIDRs); empty: the peer is the client
    trusted_proxies: CommaList = Field(default_factory=list)

    # --- HTTP -----------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    graphiql: bool | None = None  # None: on in development only
    introspection: bool | None = None  # None: on in development only
    # None: any Host outside production; localhost only in production (name your hosts)
    trusted_hosts: CommaList | None = None
    # None: local front-ends (any port) outside production; none in production
    cors_allow_origins: CommaList | None = None
    cors_allow_credentials: bool = False
    cors_allow_methods: CommaList = Field(default_factory=lambda: ["GET", "POST"])

    # --- persisted queries and batching (docs/api.md, decisions 0112-0113) ------------------
    # automatic: Apollo APQ for anyone; only: registered operations only (production); off
    persisted_queries: PersistedQueriesMode = PersistedQueriesMode.AUTOMATIC
    # the registered operations (`pagila-graph register-operations`); None: data_dir's
    persisted_queries_manifest: Path | None = None
    persisted_queries_cache_size: int = Field(default=10_000, ge=0)  # automatic ones, memory
    persisted_queries_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)  # automatic ones, Redis
    # operations in one request (a JSON array); 0: batching is off
    batch_max_operations: int = Field(default=0, ge=0, le=100)

    # --- GraphQL limits -------------------------------------------------------------------
    max_query_depth: int = 12
    max_aliases: int = 30
    max_page_size: int = 100
    default_page_size: int = 20
    max_query_cost: int = 50_000
    # the document gate (graph/documents.py, docs/reliability.md): refused before parsing ends
    max_document_bytes: int = Field(default=100_000, ge=1_000)
    max_document_tokens: int = Field(default=10_000, ge=100)
    max_document_selections: int = Field(default=2_000, ge=100)  # fragments expanded
    # any string argument or variable; each field's own limit comes from the domain's rules
    max_input_string_length: int = Field(default=10_000, ge=100)
    # HTTP request bodies larger than this are refused with 413 before they are read whole
    max_request_body_bytes: int = Field(default=1_000_000, ge=10_000)
    # one SQL statement returning the response JSON for documents the compiler supports
    # (docs/decisions/0012-compiled-read-path.md); anything else goes to the normal executor
    compiled_reads: bool = True
    # a repeated compiled POST (same body, caller and Accept) skips Strawberry's view: its
    # statement is remembered (decision 0133); off: every request goes through the view
    compiled_fast_path: bool = True
    # a mutation whose payloads it can write runs its resolvers without the executor, and its
    # payloads' entities are read by one compiled statement (decision 0169); needs
    # COMPILED_READS; off: every mutation goes through the executor
    compiled_writes: bool = True

    # --- observability (docs/operations.md "Metrics and traces") ---------------------------
    # Prometheus metrics at GET /metrics
    metrics_enabled: bool = True
    # distinct operation names kept as metric labels; later ones are counted as "other"
    metrics_max_operation_names: int = 200

    # --- the garbage collector (decision 0130) -------------------------------------------------
    # freeze the start-up heap and collect the young generation less often while serving
    gc_tuning: bool | None = None  # None: on, except in ENVIRONMENT=test

    # --- response cache of public catalogue reads (decision 0116) ----------------------------
    response_cache: bool | None = None  # None: on, except in ENVIRONMENT=test
    response_cache_ttl_s: float = Field(default=300.0, gt=0)
    response_cache_max_entries: int = Field(default=4096, ge=1)  # in memory (no REDIS_URL)

    # --- files (decision 0115) ---------------------------------------------------------------
    max_poster_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)

    # --- logging --------------------------------------------------------------------------
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.AUTO

    # --- language model (the agents) ------------------------------------------------------
    model_provider: ModelProvider = ModelProvider.AUTO
    model_name: str | None = None
    model_base_url: str | None = None
    model_api_key: SecretStr | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str | None = None
    ollama_host: str = "http://127.0.0.1:11434"
    # limits of one agent run (docs/agents.md)
    agent_timeout_s: float = 60.0
    agent_max_tool_calls: int = 8
    agent_max_tokens: int = 800
    agent_max_concurrent_runs: int = 8
    agent_history_turns: int = 6
    #: a catalogue question whose links name everything the search needs (a title, an actor,
    #: a category, an order…) is searched without asking the model which tool (decision 0065)
    agent_plan_from_links: bool = True
    #: answer two questions (one general, one about the catalogue) at start-up, before the app
    #: serves /readyz: Semantic Kernel's imports, the model's first prompt and the database
    #: pool are warm for the first customer (`pagila-graph serve` turns it on)
    agent_warm_up: bool = False
    # the local model (MODEL_PROVIDER=local, the `local` extra; docs/decisions/0060-0062)
    local_model_threads: int | None = None  # None: the machine's cores (at most 8)
    local_model_context: int = 8192  # KV-cache tokens in all, shared by the slots
    local_model_parallel: int = 2  # requests generated together (continuous batching)
    local_model_max_waiters: int = 16  # requests waiting for a slot; more are refused

    @field_validator(
        "trusted_proxies",
        "trusted_hosts",
        "cors_allow_origins",
        "cors_allow_methods",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("rate_limit_requests", "rate_limit_agent")
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        if len(parse_many(value)) != 1:  # parse_many raises ValueError for "ten a minute"
            raise ValueError(f"one rate limit expected, e.g. 10/minute, not {value!r}")
        return value

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def graphiql_enabled(self) -> bool:
        return self.is_development if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return self.is_development if self.introspection is None else self.introspection

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def rate_limits_enabled(self) -> bool:
        if self.rate_limit_enabled is None:
            return self.environment is not Environment.TEST
        return self.rate_limit_enabled

    @property
    def gc_tuning_enabled(self) -> bool:
        if self.gc_tuning is None:
            return self.environment is not Environment.TEST
        return self.gc_tuning

    @property
    def response_cache_enabled(self) -> bool:
        """Off with several workers and no Redis: a write in one worker would not move the
        others' in-memory generation (decision 0116)."""
        if self.workers > 1 and not self.redis_url:
            return False
        if self.response_cache is None:
            return self.environment is not Environment.TEST
        return self.response_cache

    @property
    def allowed_hosts(self) -> list[str]:
        if self.trusted_hosts is not None:
            return self.trusted_hosts
        return ["localhost", "127.0.0.1"] if self.is_production else ["*"]

    @property
    def cors_origins(self) -> tuple[list[str], str | None]:
        """Allowed origins and an origin regex, for Starlette's CORSMiddleware."""
        if self.cors_allow_origins is not None:
            return self.cors_allow_origins, None
        return [], (None if self.is_production else LOCAL_ORIGIN_REGEX)

    @property
    def json_logs(self) -> bool:
        if self.log_format is LogFormat.AUTO:
            return not self.is_development
        return self.log_format is LogFormat.JSON

    @property
    def persisted_queries_manifest_path(self) -> Path:
        return self.persisted_queries_manifest or self.data_dir / "persisted-queries.json"

    @property
    def embedded_pgdata(self) -> Path:
        return self.data_dir / "pg"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
