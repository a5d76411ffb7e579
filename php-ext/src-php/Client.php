<?php

declare(strict_types=1);

namespace Erp\ApiClient;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Internal\Handle;
use Erp\ApiClient\Internal\Native;

/**
 * The API client: credentials, base URL, timeouts and retries, and a connection pool.
 *
 * ```php
 * $client = new Client(apiKey: getenv('ERP_API_KEY'), baseUrl: 'http://127.0.0.1:8080');
 * $page = $client->companies()->filter(['status' => 'active'])->sort('-created_at')->paginate(10)->get();
 * ```
 *
 * There is no default credential and no default host. Requests that fail with a connection
 * error, a timeout, 408, 429, 5xx (and 409 with Retry-After) are retried by the core with
 * exponential backoff and jitter; a POST always carries an idempotency key.
 */
final class Client
{
    private readonly Handle $handle;

    /**
     * @param string|null           $apiKey         sent as `X-API-Key` (or pass $bearerToken)
     * @param string|null           $baseUrl        e.g. `http://127.0.0.1:8080` (`/api/v1` is appended)
     * @param string|null           $bearerToken    sent as `Authorization: Bearer`
     * @param float|null            $timeout        seconds per attempt (default 30)
     * @param int|null              $maxRetries     retries after the first attempt (default 3; 0 disables)
     * @param array<string, string> $defaultHeaders headers sent with every request
     * @param float|null            $connectTimeout seconds to establish a connection (default 10)
     *
     * @throws ErpException kind `invalid_config` without a credential or a base URL
     */
    public function __construct(
        ?string $apiKey = null,
        ?string $baseUrl = null,
        ?string $bearerToken = null,
        ?float $timeout = null,
        ?int $maxRetries = null,
        array $defaultHeaders = [],
        ?float $connectTimeout = null,
    ) {
        if ($maxRetries !== null && $maxRetries < 0) {
            throw new ErpException('maxRetries must be 0 or more', 'invalid_config', 'INVALID_CONFIG');
        }
        $config = [
            'base_url' => $baseUrl,
            'api_key' => $apiKey,
            'bearer_token' => $bearerToken,
            'timeout_ms' => self::millis($timeout, 'timeout'),
            'connect_timeout_ms' => self::millis($connectTimeout, 'connectTimeout'),
            'max_retries' => $maxRetries,
            'default_headers' => (object) $defaultHeaders,
            'user_agent_extra' => 'php/' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION,
        ];
        $native = Native::get();
        $this->handle = $native->handle('erp_client_new', 'erp_client_free', Native::encode($config));
    }

    /** @internal */
    public static function millis(?float $seconds, string $what): ?int
    {
        if ($seconds === null) {
            return null;
        }
        if (!($seconds > 0) || is_infinite($seconds)) {
            throw new ErpException("{$what} must be a positive number of seconds", 'invalid_config', 'INVALID_CONFIG');
        }
        return max(1, (int) round($seconds * 1000));
    }

    /** The `companies` resource. */
    public function companies(): Query
    {
        return new Query($this->handle, 'companies');
    }

    /** The `customers` resource. */
    public function customers(): Query
    {
        return new Query($this->handle, 'customers');
    }

    /** The `vendors` resource. */
    public function vendors(): Query
    {
        return new Query($this->handle, 'vendors');
    }

    /** The `inventory-items` resource. */
    public function inventoryItems(): Query
    {
        return new Query($this->handle, 'inventory-items');
    }

    /** The `sales-orders` resource. */
    public function salesOrders(): Query
    {
        return new Query($this->handle, 'sales-orders');
    }

    /**
     * A resource by name: its path (`inventory-items`) or snake-case name (`inventory_items`).
     * An unknown name fails when the request is built (kind `invalid_request`).
     */
    public function resource(string $name): Query
    {
        return new Query($this->handle, $name);
    }

    /** A new batch builder. */
    public function batch(): Batch
    {
        return new Batch($this->handle);
    }

    /** Webhook management. */
    public function webhooks(): Webhooks
    {
        return new Webhooks($this->handle);
    }

    /**
     * The event types webhooks can subscribe to (`GET /events/types`).
     *
     * @return array<mixed>
     */
    public function eventTypes(): array
    {
        return (array) Native::get()->call($this->handle, ['op' => 'event_types']);
    }

    /**
     * Sends a request to any API path (relative to `/api/v1`), with the client's retries.
     *
     * @param string                    $method  GET, POST, PATCH or DELETE
     * @param array<string, scalar>     $query   query parameters
     * @param array<mixed>|object|null  $body    JSON body
     * @param array<string, mixed>      $options see {@see Query} options: `timeout`, `maxRetries`,
     *                                           `idempotencyKey`, `headers`, `suppressWebhooks`
     *
     * @return mixed the decoded response body
     */
    public function request(string $method, string $path, array $query = [], array|object|null $body = null, array $options = []): mixed
    {
        return Native::get()->call($this->handle, [
            'op' => 'request',
            'method' => $method,
            'path' => $path,
            'query' => (object) $query,
            'body' => $body === null ? null : Native::object($body),
            'options' => Options::from($options),
        ]);
    }

    /** @return array<string, string> */
    public function __debugInfo(): array
    {
        return ['client' => 'erp-api-client (credentials hidden)'];
    }
}
