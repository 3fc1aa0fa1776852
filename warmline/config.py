"""One settings model for the whole product.

Values come from, in rising priority: the defaults below, `warmline.toml` (or the
file named by WARMLINE_CONFIG), and WARMLINE_* environment variables with `__` for
nesting (WARMLINE_RETRIEVAL__TOP_K=8). The defaults run everything in one
process with no external service.
"""

import ipaddress
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    IPvAnyNetwork,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from warmline.agent.llm import LlmSettings
from warmline.handoff.policy_file import Policy, load_policy
from warmline.retrieval.confidence import AnswerableModel
from warmline.retrieval.store import ClusterLayout

REPO_ROOT = Path(__file__).resolve().parent.parent


class RetrievalSettings(ClusterLayout):
    """Search settings, and how a new collection is laid out on a Qdrant cluster."""

    collection: str = "kb_default"
    top_k: int = 12
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    max_answer_chars: int = 1200
    sync_on_start: bool = True
    answerable: AnswerableModel = AnswerableModel()


class LimitSettings(BaseModel):
    """Bounds on what a client may send; larger input is refused with an error frame."""

    max_frame_bytes: int = 65_536
    max_message_chars: int = 4_000
    flood_messages: int = Field(
        20, description="New messages a conversation may send per window (a person types fewer)."
    )
    flood_window_s: float = 10.0
    connections_per_minute: int = Field(
        120,
        ge=1,
        description="New WebSockets one client address may open per minute (reconnects included).",
    )
    sockets_per_ip: int = Field(
        50,
        ge=1,
        description="WebSockets one client address may hold open at once (an office behind one "
        "NAT shares it, hence generous).",
    )


Role = Literal["agent", "supervisor", "admin"]


class AgentAccount(BaseModel):
    id: str
    name: str
    token: str
    roles: list[Role] = ["agent"]
    skills: list[str] = Field(default_factory=list, description='e.g. "fraud", "retention".')
    languages: list[str] = ["en"]
    capacity: int = Field(3, ge=1, description="Conversations this agent handles at once.")
    permissions: list[str] = Field(
        default_factory=list, description='Extra grants, e.g. "pii:reveal".'
    )

    @property
    def supervises(self) -> bool:
        """Supervisors and admins watch any conversation and may take any they have room for."""
        return bool({"supervisor", "admin"} & set(self.roles))

    @property
    def can_reveal_pii(self) -> bool:
        return "pii:reveal" in self.permissions or self.supervises


DEMO_TOKEN = "demo-agent-token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def demo_account() -> AgentAccount:
    """The account a fresh install signs in with, so the console can be tried at once.

    Its token is public (it is in the README), so it is a plain agent: no supervisor
    role and no `pii:reveal`, and it exists only while no `agents` are configured and
    the server listens on loopback (see `Settings._demo_on_loopback_only`). Its skills
    cover every rule in the sample policy so a demo handoff always has someone to go to.
    """
    return AgentAccount(
        id="demo",
        name="Demo Agent",
        token=DEMO_TOKEN,
        skills=["fraud", "legal", "safety", "supervisor", "retention"],
    )


def is_loopback(host: str) -> bool:
    """Whether a listen address is reachable from this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WARMLINE_", env_nested_delimiter="__", extra="ignore"
    )

    company_name: str = "Lumen Home"
    data_dir: Path = Path(".warmline")
    qdrant_url: str | None = Field(
        None,
        validation_alias=AliasChoices("qdrant_url", "WARMLINE_QDRANT_URL", "QDRANT_URL"),
        description="A Qdrant server or cluster; unset = local mode in data_dir.",
    )
    database_url: str | None = Field(
        None,
        description="PostgreSQL (postgresql://user@host/db) for conversations, queue, vault, "
        "audit and graph checkpoints, shared by every worker; unset = SQLite files in data_dir.",
    )
    database_max_connections: int = Field(
        20, ge=2, description="Pool size per worker, for the stores and for the checkpointer."
    )
    redis_url: str | None = Field(
        None,
        description="Redis (redis://host:6379/0) for events between workers, agent presence, "
        "turn locks and flood windows; unset = in-process (one worker).",
    )
    redis_prefix: str = Field(
        "warmline", description="Key prefix, so deployments can share one Redis."
    )
    operator_tokens: list[SecretStr] = Field(
        default_factory=list, description="Bearer tokens for the /v1/kb operator endpoints."
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins (https://shop.example) whose pages may open the widget's socket; "
        "the console's socket also accepts the server's own origin. Empty = any origin.",
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Load balancers (addresses or CIDRs) whose X-Forwarded-For names the client; "
        "from any other peer the header is ignored.",
    )
    shutdown_grace_s: float = Field(
        10.0,
        ge=0,
        description="On shutdown, how long answers in progress may finish before every socket is "
        "closed with 1012 (keep it under the process manager's kill timeout).",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names (support.example.com, *.example.com) this server answers to "
        "besides localhost, 127.0.0.1 and [::1]; any other Host header gets 400, which stops "
        "DNS rebinding. Required when listening on a non-loopback address.",
    )
    api_docs: bool = Field(
        False, description="Serve /docs, /redoc and /openapi.json (they map every endpoint)."
    )
    kb_path: Path = REPO_ROOT / "kb" / "sample"
    widget_dir: Path = REPO_ROOT / "widget"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: Path | None = None
    pii_entities: list[str] = [
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "IP_ADDRESS",
        "DATE_OF_BIRTH",
        "ADDRESS",
    ]
    pii_company_patterns: dict[str, str] = Field(
        {"ACCOUNT_ID": r"ACC-\d{8}"},
        description="Company identifiers that are personal data, redacted as <NAME_n>.",
    )
    pii_allow_patterns: list[str] = Field(
        [r"LH-\d{6}", r"E-\d{4}"],
        description="Company identifiers (order numbers, error codes) that are never redacted: "
        "the agent needs them and they identify no person on their own.",
    )
    vault_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Fernet keys, newest first; empty = a key generated in data_dir/vault.key.",
    )
    pii_retention_days: int = 30
    products: list[str] = Field(
        ["Lumen Hub", "Lumen Cam", "Lumen Lock", "Lumen Bulb", "Lumen Sensor", "Lumen Plus"],
        description="Product names the handoff summary lists as facts when a customer names them.",
    )
    agents: list[AgentAccount] = Field(
        default_factory=list,
        description="The agents' accounts; none = the demo account, on loopback only.",
    )
    identity_secret: SecretStr | None = Field(
        None,
        description="HMAC key the host site signs a customer's profile with; without it a "
        "profile's segment (e.g. VIP) is not trusted.",
    )
    llm: LlmSettings = LlmSettings()
    policy_file: Path = Field(
        REPO_ROOT / "policy.toml", description="The escalation policy: thresholds, rules, hours."
    )
    policy: Policy = Field(
        default_factory=Policy, description="Read from policy_file unless given directly."
    )
    retrieval: RetrievalSettings = RetrievalSettings()
    limits: LimitSettings = LimitSettings()

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        """Browsers send `scheme://host[:port]`, lower-case, no path: compare in that form."""
        normal = [o.strip().rstrip("/").lower() for o in origins]
        wrong = [o for o in normal if not re.fullmatch(r"https?://[^/\s]+", o)]
        if wrong:
            raise ValueError(f"origins look like https://shop.example (no path): {wrong}")
        return normal

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        """Names as a Host header carries them, without port (support.example.com)."""
        normal = [h.strip().lower() for h in hosts]
        wrong = [h for h in normal if not re.fullmatch(r"(\*\.)?[a-z0-9.-]+|\[[0-9a-f:.]+\]", h)]
        if wrong:
            raise ValueError(
                f"hosts look like support.example.com (no scheme, port or path): {wrong}"
            )
        return normal

    @model_validator(mode="after")
    def _demo_on_loopback_only(self) -> "Settings":
        """With no agents configured, a server only this machine can reach gets the demo
        account; anywhere else there is none (and `warmline serve` refuses to start)."""
        if not self.agents and is_loopback(self.host):
            self.agents = [demo_account()]
        return self

    @property
    def host_names(self) -> list[str]:
        """Every Host this server answers to: loopback names, the listen address when it
        is a specific one, and `allowed_hosts`."""
        names = list(LOOPBACK_NAMES)
        address = self.host.lower()
        if address not in ("0.0.0.0", "::", "") and not is_loopback(address):
            names.append(f"[{address}]" if ":" in address else address)
        return names + [h for h in self.allowed_hosts if h not in names]

    @model_validator(mode="before")
    @classmethod
    def _no_escalation_table(cls, data: object) -> object:
        """Thresholds moved to the policy file; an old table must not be silently ignored."""
        stale_env = [k for k in os.environ if k.upper().startswith("WARMLINE_ESCALATION__")]
        if stale_env or (isinstance(data, dict) and "escalation" in data):
            raise ValueError(
                "escalation settings now live in policy.toml ([thresholds]); point "
                "policy_file or WARMLINE_POLICY_FILE at an edited copy"
            )
        return data

    @model_validator(mode="after")
    def _read_policy(self) -> "Settings":
        if "policy" not in self.model_fields_set:
            self.policy = load_policy(self.policy_file)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("WARMLINE_CONFIG", "warmline.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    @property
    def database_path(self) -> Path:
        return self.data_dir / "warmline.sqlite"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def vault_key_path(self) -> Path:
        return self.data_dir / "vault.key"
