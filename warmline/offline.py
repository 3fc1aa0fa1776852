"""Keep third-party libraries from reaching the network.

Hugging Face libraries try the hub before the local files unless told not to, and
tldextract (used by Presidio's e-mail recognizer) downloads the public-suffix list
on first use. Both would stall or fail on an offline machine and leak traffic on an
online one, so they are pinned to their bundled data before anything imports them.
"""

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "ANONYMIZED_TELEMETRY": "False",
}


def enforce() -> None:
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def pin_tldextract_to_snapshot() -> None:
    """Make tldextract use the suffix list bundled in the package, never a download."""
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)
