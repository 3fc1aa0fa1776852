"""The handoff settings: which policy file to read, and the products a summary names.

The policy itself is data (`policy.toml`, schema in `policy_file`); this model only
says where it is and reads it once the settings are complete.
"""

from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from warmline.handoff.policy_file import Policy, load_policy

POLICY_FILE = Path(__file__).resolve().parents[2] / "policy.toml"


class HandoffSettings(BaseModel):
    products: list[str] = Field(
        ["Lumen Hub", "Lumen Cam", "Lumen Lock", "Lumen Bulb", "Lumen Sensor", "Lumen Plus"],
        description="Product names the handoff summary lists as facts when a customer names them.",
    )
    policy_file: Path = Field(
        POLICY_FILE, description="The escalation policy: thresholds, rules, hours."
    )
    policy: Policy = Field(
        default_factory=Policy, description="Read from policy_file unless given directly."
    )

    @model_validator(mode="after")
    def _read_policy(self) -> "HandoffSettings":
        if "policy" not in self.model_fields_set:
            self.policy = load_policy(self.policy_file)
        return self
