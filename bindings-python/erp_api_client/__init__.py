"""erp_api_client: the Python SDK for the ERP API gateway.

A thin face over one Rust core: every request, retry, page, batch and signature is handled
there. ``Client`` blocks (releasing the GIL while it waits); ``AsyncClient`` returns asyncio
awaitables driven by the core's runtime.

    from erp_api_client import Client
    client = Client(api_key="sk_...", base_url="http://127.0.0.1:8080")
    page = client.companies.filter(status="active").sort("-created_at").limit(10).list()
"""

from ._native import (
    EVENT_TYPES,
    RESOURCES,
    AsyncBatch,
    AsyncBatchHandle,
    AsyncClient,
    AsyncPaginator,
    AsyncResource,
    AsyncWebhooks,
    Batch,
    BatchHandle,
    Client,
    Page,
    Paginator,
    Resource,
    Webhook,
    Webhooks,
    __version__,
)
from .errors import (
    ApiError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConnectionError,
    DecodeError,
    ErpError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TimeoutError,
    UnauthorizedError,
    ValidationFailedError,
    WebhookVerificationError,
)

__all__ = [
    "Client",
    "AsyncClient",
    "Resource",
    "AsyncResource",
    "Page",
    "Paginator",
    "AsyncPaginator",
    "Batch",
    "AsyncBatch",
    "BatchHandle",
    "AsyncBatchHandle",
    "Webhooks",
    "AsyncWebhooks",
    "Webhook",
    "EVENT_TYPES",
    "RESOURCES",
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
    "__version__",
]
