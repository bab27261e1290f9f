"""Keep every library from phoning home: no model hub, no analytics, no telemetry.

Called first by every entry point (before gradio, chromadb or transformers are imported), because those
libraries read the variables at import time.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}


def enforce_offline() -> None:
    """Set the offline variables unless the user explicitly set them otherwise."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
