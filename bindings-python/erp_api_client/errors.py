"""The exception hierarchy of erp_api_client.

Every error the SDK raises is an :class:`ErpError`. Errors that come from an API response
are :class:`ApiError` subclasses chosen by HTTP status; the others describe what went wrong
on the client side. The native core picks the class by a stable ``kind`` string.
"""

from __future__ import annotations

import builtins

# typing (and the re module it pulls in) is only needed by type checkers: importing it at run
# time would double this package's import time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = [
    "ErpError",
    "ApiError",
    "BadRequestError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "ValidationFailedError",
    "RateLimitedError",
    "ServerError",
    "ConnectionError",
    "TimeoutError",
    "WebhookVerificationError",
    "InvalidRequestError",
    "ConfigurationError",
    "DecodeError",
]


class ErpError(Exception):
    """Base class of every error raised by erp_api_client."""

    kind: str
    code: str
    message: str
    status: Optional[int]
    request_id: Optional[str]
    details: Optional[Any]

    def __init__(
        self,
        message: str = "",
        *,
        kind: str = "error",
        code: Optional[str] = None,
        status: Optional[int] = None,
        request_id: Optional[str] = None,
        details: Optional[Any] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code if code is not None else kind.upper()
        self.status = status
        self.request_id = request_id
        self.details = details

    def __str__(self) -> str:
        text = self.message
        if self.status is not None:
            text = f"{self.code} ({self.status}): {text}"
        if self.request_id:
            text += f" [request_id: {self.request_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class ApiError(ErpError):
    """The server answered with a non-2xx status."""


class BadRequestError(ApiError):
    """400, 413 and any other 4xx without a more specific class."""


class UnauthorizedError(ApiError):
    """401: no credential or a wrong one."""


class ForbiddenError(ApiError):
    """403: the credential lacks a scope."""


class NotFoundError(ApiError):
    """404: no such resource or record."""


class ConflictError(ApiError):
    """409: conflict with the current state (e.g. a duplicate SKU)."""


class ValidationFailedError(ApiError):
    """422: validation failed (``details["fields"]``), or an idempotency key was reused."""


class RateLimitedError(ApiError):
    """429: rate limited; ``retry_after`` is the wait the server asked for, in seconds."""

    retry_after: Optional[float]

    def __init__(
        self, message: str = "", *, retry_after: Optional[float] = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx, or a status the API never sends."""


class ConnectionError(ErpError, builtins.ConnectionError):
    """The connection could not be made or broke before a response arrived."""


class TimeoutError(ErpError, builtins.TimeoutError):
    """No response within the timeout."""


class WebhookVerificationError(ErpError):
    """A webhook delivery did not verify; ``reason`` says why (``missing_header``,
    ``malformed_header``, ``timestamp_too_old``, ``timestamp_too_new``,
    ``no_matching_signature``, ``invalid_payload``, ``invalid_secret``)."""

    reason: str

    def __init__(self, message: str = "", *, reason: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason


class InvalidRequestError(ErpError, ValueError):
    """A request could not be built from the arguments (limit out of range, bad id, ...)."""


class ConfigurationError(ErpError, ValueError):
    """The client was configured wrongly (no credential, no or a bad base URL, ...)."""


class DecodeError(ErpError):
    """A 2xx response whose body was not what the API promises."""
