"""
The version of a stored row: a digest of every column, both languages included. The API's ETags
(api/etags.py) and the admin's change forms (admin/base.py) compare it to refuse a write made
against an older version, instead of silently overwriting someone else's change.
"""

import hashlib
import json


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def stored_values(instance) -> dict[str, str]:
    """Return every column of `instance` as text."""
    return {field.attname: field.value_to_string(instance) for field in instance._meta.concrete_fields}


def stored_version(instance) -> str:
    return digest(stored_values(instance))
