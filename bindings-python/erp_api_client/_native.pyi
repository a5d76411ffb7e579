from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
)

from .types import (
    BatchProgress,
    BatchResult,
    Delivery,
    ImportProgress,
    ImportResult,
    PreparedRequest,
    Record,
    WebhookEndpoint,
    WebhookRetryPolicy,
)

__all__ = [
    "__version__",
    "EVENT_TYPES",
    "RESOURCES",
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
    "_retry_decision",
    "_error_from_response",
    "_LoopBridge",
    "_Canceller",
    "_runtime_info",
]

__version__: str
EVENT_TYPES: Tuple[str, ...]
RESOURCES: Tuple[str, ...]

_Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
_Body = Union[bytes, bytearray, memoryview, str]
_FilterValue = Union[str, int, float, bool]
_Ids = Union[str, Sequence[str]]
_Progress = Callable[[BatchProgress], object]
_ImportProgress = Callable[[ImportProgress], object]

@final
class Page:
    """One page of a list."""

    @property
    def data(self) -> List[Any]: ...
    @property
    def next_cursor(self) -> Optional[str]: ...
    @property
    def has_more(self) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __getitem__(self, i: int, /) -> Any: ...

@final
class Paginator:
    def __iter__(self) -> Paginator: ...
    def __next__(self) -> Record: ...
    @property
    def pages_fetched(self) -> int: ...

@final
class AsyncPaginator:
    def __aiter__(self) -> AsyncPaginator: ...
    def __anext__(self) -> Awaitable[Record]: ...

@final
class Resource:
    """A resource and the fluent request builder over it (blocking)."""

    @property
    def name(self) -> str: ...
    def filter(
        self, mapping: Optional[Mapping[str, _FilterValue]] = None, /, **kwargs: _FilterValue
    ) -> Resource: ...
    def sort(self, field: str) -> Resource: ...
    def limit(self, n: int) -> Resource: ...
    def cursor(self, cursor: str) -> Resource: ...
    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Resource: ...
    def list(self) -> Page: ...
    def get(self, id: str) -> Record: ...
    def create(
        self,
        body: Mapping[str, Any],
        *,
        idempotency_key: Optional[str] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Record: ...
    def update(
        self,
        id: str,
        body: Mapping[str, Any],
        *,
        idempotency_key: Optional[str] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Record: ...
    def delete(
        self,
        id: str,
        *,
        idempotency_key: Optional[str] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Record: ...
    def prepare(
        self, op: str, id: Optional[str] = None, body: Optional[Mapping[str, Any]] = None
    ) -> PreparedRequest: ...
    def iter(self) -> Paginator: ...
    def __iter__(self) -> Paginator: ...

@final
class AsyncResource:
    """A resource and the fluent request builder over it (asyncio)."""

    @property
    def name(self) -> str: ...
    def filter(
        self, mapping: Optional[Mapping[str, _FilterValue]] = None, /, **kwargs: _FilterValue
    ) -> AsyncResource: ...
    def sort(self, field: str) -> AsyncResource: ...
    def limit(self, n: int) -> AsyncResource: ...
    def cursor(self, cursor: str) -> AsyncResource: ...
    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> AsyncResource: ...
    def list(self) -> Awaitable[Page]: ...
    def get(self, id: str) -> Awaitable[Record]: ...
    def create(
        self,
        body: Mapping[str, Any],
        *,
        idempotency_key: Optional[str] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Awaitable[Record]: ...
    def update(
        self,
        id: str,
        body: Mapping[str, Any],
        *,
        idempotency_key: Optional[str] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Awaitable[Record]: ...
    def delete(
        self,
        id: str,
        *,
        idempotency_key: Optional[str] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Awaitable[Record]: ...
    def prepare(
        self, op: str, id: Optional[str] = None, body: Optional[Mapping[str, Any]] = None
    ) -> PreparedRequest: ...
    def iter(self) -> AsyncPaginator: ...
    def __aiter__(self) -> AsyncPaginator: ...

@final
class Batch:
    """A batch of operations (blocking)."""

    def add(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None) -> Batch: ...
    def strict(self) -> Batch: ...
    def lenient(self) -> Batch: ...
    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        headers: Optional[Mapping[str, str]] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Batch: ...
    def prepare(
        self,
        *,
        mode: Optional[str] = None,
        stop_on_error: Optional[bool] = None,
        max_parallel: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        chunk_size: Optional[int] = None,
    ) -> PreparedRequest: ...
    def execute(
        self,
        *,
        mode: Optional[str] = None,
        stop_on_error: Optional[bool] = None,
        max_parallel: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        chunk_size: Optional[int] = None,
        progress: Optional[_Progress] = None,
    ) -> BatchResult: ...
    def submit(
        self,
        *,
        mode: Optional[str] = None,
        stop_on_error: Optional[bool] = None,
        max_parallel: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        progress: Optional[_Progress] = None,
    ) -> BatchHandle: ...
    def from_csv(
        self,
        resource: str,
        csv_text: str,
        *,
        validate_only: bool = False,
        batch_size: int = 500,
        resume_from: int = 0,
        idempotency_key: Optional[str] = None,
        progress: Optional[_ImportProgress] = None,
    ) -> ImportResult: ...
    def __len__(self) -> int: ...

@final
class AsyncBatch:
    """A batch of operations (asyncio)."""

    def add(
        self, method: str, path: str, body: Optional[Mapping[str, Any]] = None
    ) -> AsyncBatch: ...
    def strict(self) -> AsyncBatch: ...
    def lenient(self) -> AsyncBatch: ...
    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        headers: Optional[Mapping[str, str]] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> AsyncBatch: ...
    def prepare(
        self,
        *,
        mode: Optional[str] = None,
        stop_on_error: Optional[bool] = None,
        max_parallel: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        chunk_size: Optional[int] = None,
    ) -> PreparedRequest: ...
    def execute(
        self,
        *,
        mode: Optional[str] = None,
        stop_on_error: Optional[bool] = None,
        max_parallel: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        chunk_size: Optional[int] = None,
        progress: Optional[_Progress] = None,
    ) -> Awaitable[BatchResult]: ...
    def submit(
        self,
        *,
        mode: Optional[str] = None,
        stop_on_error: Optional[bool] = None,
        max_parallel: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        progress: Optional[_Progress] = None,
    ) -> Awaitable[AsyncBatchHandle]: ...
    def from_csv(
        self,
        resource: str,
        csv_text: str,
        *,
        validate_only: bool = False,
        batch_size: int = 500,
        resume_from: int = 0,
        idempotency_key: Optional[str] = None,
        progress: Optional[_ImportProgress] = None,
    ) -> Awaitable[ImportResult]: ...
    def __len__(self) -> int: ...

@final
class BatchHandle:
    @property
    def id(self) -> str: ...
    def status(self) -> BatchResult: ...
    def wait(self) -> BatchResult: ...

@final
class AsyncBatchHandle:
    @property
    def id(self) -> str: ...
    def status(self) -> Awaitable[BatchResult]: ...
    def wait(self) -> Awaitable[BatchResult]: ...

@final
class Webhooks:
    """Webhook management (blocking)."""

    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> Webhooks: ...
    def register(
        self,
        url: str,
        events: _Ids,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        retry_policy: Optional[WebhookRetryPolicy] = None,
        secret: Optional[str] = None,
        active: Optional[bool] = None,
        description: Optional[str] = None,
    ) -> WebhookEndpoint: ...
    def list(self) -> Page: ...
    def get(self, id: str) -> WebhookEndpoint: ...
    def update(
        self,
        id: str,
        *,
        url: Optional[str] = None,
        events: Optional[_Ids] = None,
        filters: Optional[Mapping[str, Any]] = None,
        retry_policy: Optional[WebhookRetryPolicy] = None,
        secret: Optional[str] = None,
        active: Optional[bool] = None,
        description: Optional[str] = None,
    ) -> WebhookEndpoint: ...
    def delete(self, id: str) -> Record: ...
    def test(self, id: str) -> Delivery: ...
    def rotate_secret(self, id: str) -> WebhookEndpoint: ...
    def deliveries(
        self,
        id: str,
        *,
        status: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page: ...
    def delivery(self, id: str, delivery_id: str) -> Delivery: ...
    def retry_delivery(self, id: str, delivery_id: str) -> Delivery: ...
    def stats(self, id: str) -> Dict[str, Any]: ...

@final
class AsyncWebhooks:
    """Webhook management (asyncio)."""

    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        suppress_webhooks: Optional[_Ids] = None,
    ) -> AsyncWebhooks: ...
    def register(
        self,
        url: str,
        events: _Ids,
        *,
        filters: Optional[Mapping[str, Any]] = None,
        retry_policy: Optional[WebhookRetryPolicy] = None,
        secret: Optional[str] = None,
        active: Optional[bool] = None,
        description: Optional[str] = None,
    ) -> Awaitable[WebhookEndpoint]: ...
    def list(self) -> Awaitable[Page]: ...
    def get(self, id: str) -> Awaitable[WebhookEndpoint]: ...
    def update(
        self,
        id: str,
        *,
        url: Optional[str] = None,
        events: Optional[_Ids] = None,
        filters: Optional[Mapping[str, Any]] = None,
        retry_policy: Optional[WebhookRetryPolicy] = None,
        secret: Optional[str] = None,
        active: Optional[bool] = None,
        description: Optional[str] = None,
    ) -> Awaitable[WebhookEndpoint]: ...
    def delete(self, id: str) -> Awaitable[Record]: ...
    def test(self, id: str) -> Awaitable[Delivery]: ...
    def rotate_secret(self, id: str) -> Awaitable[WebhookEndpoint]: ...
    def deliveries(
        self,
        id: str,
        *,
        status: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Awaitable[Page]: ...
    def delivery(self, id: str, delivery_id: str) -> Awaitable[Delivery]: ...
    def retry_delivery(self, id: str, delivery_id: str) -> Awaitable[Delivery]: ...
    def stats(self, id: str) -> Awaitable[Dict[str, Any]]: ...

@final
class Client:
    """The blocking client. Releases the GIL while a request is in flight."""

    def __new__(
        cls,
        api_key: Optional[str] = None,
        *,
        base_url: Optional[str] = None,
        bearer_token: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> Client: ...
    @property
    def base_url(self) -> str: ...
    def resource(self, name: str) -> Resource: ...
    @property
    def companies(self) -> Resource: ...
    @property
    def customers(self) -> Resource: ...
    @property
    def vendors(self) -> Resource: ...
    @property
    def inventory_items(self) -> Resource: ...
    @property
    def sales_orders(self) -> Resource: ...
    @property
    def webhooks(self) -> Webhooks: ...
    def batch(self) -> Batch: ...
    def batch_handle(self, id: str) -> BatchHandle: ...
    def event_types(self) -> Any: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *_args: object) -> bool: ...
    def close(self) -> None: ...

@final
class AsyncClient:
    """The asyncio client: every call returns an awaitable driven by the core's runtime."""

    def __new__(
        cls,
        api_key: Optional[str] = None,
        *,
        base_url: Optional[str] = None,
        bearer_token: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> AsyncClient: ...
    @property
    def base_url(self) -> str: ...
    def resource(self, name: str) -> AsyncResource: ...
    @property
    def companies(self) -> AsyncResource: ...
    @property
    def customers(self) -> AsyncResource: ...
    @property
    def vendors(self) -> AsyncResource: ...
    @property
    def inventory_items(self) -> AsyncResource: ...
    @property
    def sales_orders(self) -> AsyncResource: ...
    @property
    def webhooks(self) -> AsyncWebhooks: ...
    def batch(self) -> AsyncBatch: ...
    def batch_handle(self, id: str) -> AsyncBatchHandle: ...
    def event_types(self) -> Awaitable[Any]: ...
    def __aenter__(self) -> Awaitable[AsyncClient]: ...
    def __aexit__(self, *_args: object) -> Awaitable[bool]: ...
    def close(self) -> Awaitable[None]: ...

@final
class Webhook:
    """Verifies (and signs) webhook deliveries with one secret or several (rotation)."""

    def __new__(cls, secret: Union[str, Sequence[str]], tolerance: float = 300.0) -> Webhook: ...
    @property
    def tolerance(self) -> float: ...
    def verify(self, body: _Body, headers: _Headers) -> Dict[str, Any]: ...
    def verify_at(self, body: _Body, headers: _Headers, now: int) -> Dict[str, Any]: ...
    def verify_signature(self, body: _Body, headers: _Headers) -> None: ...
    def verify_signature_at(self, body: _Body, headers: _Headers, now: int) -> None: ...
    def sign(self, msg_id: str, timestamp: int, body: _Body) -> Dict[str, str]: ...

@final
class _LoopBridge:
    def __call__(self, *args: Any, **kwargs: Any) -> None: ...

@final
class _Canceller:
    def __call__(self, *args: Any, **kwargs: Any) -> None: ...

def _retry_decision(
    policy: Mapping[str, int], retries_done: int, outcome: Mapping[str, Any], now: str
) -> Dict[str, Any]: ...
def _error_from_response(
    status: int, headers: _Headers, body: _Body, now: str
) -> BaseException: ...
def _runtime_info() -> Tuple[int, int]: ...
