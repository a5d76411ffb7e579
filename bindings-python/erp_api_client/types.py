"""Typed shapes of the plain dicts the SDK returns (for type checkers; at runtime they are
ordinary ``dict`` objects)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

__all__ = [
    "Record",
    "PreparedRequest",
    "ItemError",
    "BatchItemResult",
    "BatchResult",
    "BatchProgress",
    "ImportProgress",
    "RowError",
    "ImportResult",
    "WebhookRetryPolicy",
    "WebhookEndpoint",
    "DeliveryAttempt",
    "Delivery",
]

#: A record of a resource (company, customer, ...): the API's JSON object as a dict.
Record = Dict[str, Any]


class PreparedRequest(TypedDict):
    """A request built but not sent (dry run)."""

    method: str
    url: str
    path: str
    query: str
    headers: Dict[str, str]
    body: Optional[Any]


class _ItemErrorBase(TypedDict):
    code: str
    message: str


class ItemError(_ItemErrorBase, total=False):
    details: Any


class _BatchItemResultBase(TypedDict):
    index: int
    status: int
    success: bool


class BatchItemResult(_BatchItemResultBase, total=False):
    body: Any
    error: ItemError


class _BatchResultBase(TypedDict):
    id: str
    status: str
    mode: Optional[str]
    total: int
    successful: int
    failed: int
    results: List[BatchItemResult]
    duration_ms: int


class BatchResult(_BatchResultBase, total=False):
    processed: int
    batch_ids: List[str]


class BatchProgress(TypedDict):
    chunks_done: int
    chunks_total: int
    operations_done: int
    operations_total: int
    failed: int


class ImportProgress(TypedDict):
    """Progress of a CSV import after each chunk (``rows_done`` is the checkpoint)."""

    rows_total: int
    rows_done: int
    imported: int
    failed: int


class RowError(TypedDict):
    """A CSV row that was not imported (``row`` 1 is the first row after the header)."""

    row: int
    error: ItemError


class ImportResult(TypedDict):
    """What ``Batch.from_csv`` did."""

    rows_total: int
    rows_skipped: int
    imported: int
    failed: int
    errors: List[RowError]
    checkpoint: int
    validate_only: bool


class WebhookRetryPolicy(TypedDict):
    max_retries: int
    backoff_ms: int


class _WebhookEndpointBase(TypedDict):
    id: str
    url: str
    events: List[str]
    active: bool
    status: str
    created_at: str
    consecutive_failures: int


class WebhookEndpoint(_WebhookEndpointBase, total=False):
    filters: Dict[str, Any]
    retry_policy: WebhookRetryPolicy
    secret: str
    description: str
    last_triggered_at: Optional[str]


class DeliveryAttempt(TypedDict, total=False):
    attempted_at: str
    status_code: Optional[int]
    duration_ms: int
    response_excerpt: Optional[str]
    error: Optional[str]


class _DeliveryBase(TypedDict):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    created_at: str


class Delivery(_DeliveryBase, total=False):
    next_attempt_at: Optional[str]
    last_status_code: Optional[int]
    last_error: Optional[str]
    completed_at: Optional[str]
    attempts: List[DeliveryAttempt]
