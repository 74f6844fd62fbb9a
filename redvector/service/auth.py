"""The REST/gRPC api key rule: when ``api-key`` or ``requirepass`` is set, a request must present one of them
(``api-key`` header/metadata, as Qdrant clients send it, or ``Authorization: Bearer <key>``)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from redvector.config import Config
from redvector.errors import Forbidden, Unauthorized


def required_keys(config: Config) -> list[str]:
    return [k for k in (config["api-key"], config["requirepass"]) if k]


def presented_key(headers: Mapping[str, str]) -> str | None:
    key = headers.get("api-key")
    if key:
        return str(key)
    auth = headers.get("authorization")
    if auth and auth[:7].lower() == "bearer ":
        return str(auth[7:].strip())
    return None


def check_key(config: Config, headers: Mapping[str, str]) -> None:
    """Raise Unauthorized without a key and Forbidden with a wrong one, when a key is configured."""
    keys = required_keys(config)
    if not keys:
        return
    presented = presented_key(headers)
    if not presented:
        raise Unauthorized("Must provide an API key or an Authorization bearer token")
    if not any(hmac.compare_digest(presented.encode(), k.encode()) for k in keys):
        raise Forbidden("Invalid API key or JWT")
