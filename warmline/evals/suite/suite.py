"""A suite is a folder: `suite.toml` (fixtures and gate tolerances) and scenario files.

The fixtures make a run reproducible anywhere: the knowledge base folder and the
policy file the scenarios were written against, both relative to the suite.
"""

import hashlib
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from warmline.evals.suite.gate import DIRECTIONS
from warmline.evals.suite.scenario import Scenario, Strict

SUITE_FILE = "suite.toml"


class SuiteFile(Strict):
    description: str = ""
    scenarios: list[str] = Field(default_factory=lambda: ["scenarios/*.jsonl"])
    kb: str | None = Field(None, description="Knowledge base folder; unset = the settings'.")
    policy: str | None = Field(None, description="Policy file; unset = the settings'.")
    gate: dict[str, float] = Field(
        default_factory=dict,
        description="How far each metric may worsen against the baseline before the gate fails.",
    )

    @field_validator("gate")
    @classmethod
    def _known_metrics(cls, gate: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(gate) - set(DIRECTIONS))
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; known: {sorted(DIRECTIONS)}")
        return gate


class Suite(BaseModel):
    path: Path
    description: str
    kb: Path | None
    policy: Path | None
    gate: dict[str, float]
    scenarios: list[Scenario]

    @property
    def digest(self) -> str:
        """Changes whenever a scenario does, so a resumed run never mixes two versions."""
        text = "".join(s.digest for s in self.scenarios)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def split(self, part: str) -> list[Scenario]:
        """Two halves stratified by category (alternating within each), for tuning honestly."""
        by_category: dict[str, list[Scenario]] = {}
        for scenario in self.scenarios:
            by_category.setdefault(scenario.category, []).append(scenario)
        keep = 0 if part == "a" else 1
        return [
            s
            for members in by_category.values()
            for i, s in enumerate(sorted(members, key=lambda s: s.id))
            if i % 2 == keep
        ]


class SuiteError(Exception):
    """A suite that cannot be run, with the file and line at fault."""


def load_scenarios(path: Path) -> list[Scenario]:
    scenarios = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            scenarios.append(Scenario.model_validate_json(line))
        except ValidationError as exc:
            raise SuiteError(f"{path}:{number}: {exc}") from exc
    return scenarios


def load_suite(path: Path) -> Suite:
    """A suite folder, or a single scenario file run with the settings' fixtures."""
    if not path.exists():
        raise SuiteError(f"{path} does not exist")
    if path.is_file():
        return Suite(
            path=path, description="", kb=None, policy=None, gate={}, scenarios=load_scenarios(path)
        )
    config_path = path / SUITE_FILE
    if not config_path.exists():
        raise SuiteError(f"{path} has no {SUITE_FILE} and is not a scenario file")
    try:
        config = SuiteFile.model_validate(tomllib.loads(config_path.read_text(encoding="utf-8")))
    except (ValidationError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"{config_path}: {exc}") from exc
    files = sorted({f for pattern in config.scenarios for f in path.glob(pattern)})
    if not files:
        raise SuiteError(f"{config_path}: no scenario files match {config.scenarios}")
    scenarios = [s for f in files for s in load_scenarios(f)]
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.id in seen:
            raise SuiteError(f"{path}: scenario id {scenario.id} appears twice")
        seen.add(scenario.id)
    return Suite(
        path=path,
        description=config.description,
        kb=(path / config.kb).resolve() if config.kb else None,
        policy=(path / config.policy).resolve() if config.policy else None,
        gate=config.gate,
        scenarios=scenarios,
    )
