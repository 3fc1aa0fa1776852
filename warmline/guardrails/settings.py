"""What counts as personal data, and how long its originals are kept.

A model only, so that `warmline.config` composes it without loading Presidio.
"""

from pydantic import BaseModel, Field, SecretStr


class PrivacySettings(BaseModel):
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
        "USER_NAME",
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
