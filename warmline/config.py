"""The product's settings, composed from the settings model each package owns.

Each package declares what it reads in its own `settings` module (storage, guardrails,
retrieval, handoff, coordination, workers; the agent states the shape it needs as a Protocol),
so that no package imports this module's dependents: this module sits above them all
and only the server, the evals and the CLI import it. What belongs to no one package
(listen address, origins, accounts) is declared here.

Values come from, in rising priority: the defaults, `warmline.toml` (or the file named
by WARMLINE_CONFIG), and WARMLINE_* environment variables with `__` for nesting
(WARMLINE_RETRIEVAL__TOP_K=8); the composed fields keep their flat names
(WARMLINE_DATABASE_URL). The defaults run everything in one
process with no external service.
"""

import ipaddress
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
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
from warmline.conversation.accounts import AgentAccount
from warmline.conversation.settings import LimitSettings
from warmline.coordination.settings import CoordinationSettings
from warmline.guardrails.company import DEFAULT_COMPANY
from warmline.guardrails.settings import PrivacySettings
from warmline.handoff.settings import HandoffSettings
from warmline.retrieval.settings import RetrievalSettings
from warmline.storage.settings import StorageSettings
from warmline.workers.settings import WorkerSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


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


class Settings(
    StorageSettings,
    PrivacySettings,
    HandoffSettings,
    CoordinationSettings,
    WorkerSettings,
    BaseSettings,
):
    model_config = SettingsConfigDict(
        env_prefix="WARMLINE_", env_nested_delimiter="__", extra="ignore"
    )

    company_name: str = DEFAULT_COMPANY
    qdrant_url: str | None = Field(
        None,
        validation_alias=AliasChoices("qdrant_url", "WARMLINE_QDRANT_URL", "QDRANT_URL"),
        description="A Qdrant server or cluster; unset = local mode in data_dir.",
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
    gateway_lag_s: float = Field(
        0.25,
        gt=0,
        description="How late (seconds) this process's event loop may run a 100 ms timer and "
        "still count as on time. When the late ticks' lateness adds up to more than half of "
        "`gateway_lag_window_s`, new customer messages are refused at once with the `busy` "
        "error (nothing stored; the widget sends them again), so what is accepted is answered "
        "in time instead of every message waiting for a saturated loop. 'Talk to a person' "
        "is never refused so.",
    )
    gateway_lag_window_s: float = Field(
        2.0,
        gt=0,
        description="The window over which the loop's lateness is added up: messages are "
        "refused while the loop spent more than half of it behind. One stall shorter than "
        "that refuses nothing; a saturated loop, behind tick after tick, is refused until it "
        "catches up.",
    )
    gateway_backlog_s: float = Field(
        5.0,
        gt=0,
        description="How long a new customer message may expect to wait for its answer behind "
        "the messages this process has taken and not yet answered (their number over the "
        "answers a second of the last 5 s); past it the message is refused at once with the "
        "`busy` error. A mean by Little's law: the slowest answers take about twice as long, "
        "so half the 10 s turn SLA by default.",
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
    widget_dir: Path = Field(
        REPO_ROOT / "widget" / "public",
        description="The folder served under /static, with the demo, console and supervisor "
        "pages: browser files only (built scripts, pages, styles), since all of it is public.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: Path | None = None
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
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def vault_key_path(self) -> Path:
        return self.data_dir / "vault.key"
