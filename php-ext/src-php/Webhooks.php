<?php

declare(strict_types=1);

namespace Erp\ApiClient;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Internal\Handle;
use Erp\ApiClient\Internal\Native;

/**
 * Webhook management: register, list, get, update, delete, test, rotate the secret,
 * deliveries, one delivery with its attempts, manual retry, and health stats.
 *
 * ```php
 * $hook = $client->webhooks()->register('https://example.com/hooks', ['company.created']);
 * file_put_contents('/secure/place', $hook['secret']);   // shown only now
 * ```
 *
 * Endpoints and deliveries are arrays as the API returns them.
 */
final class Webhooks
{
    /** @internal use {@see Client::webhooks()} */
    public function __construct(private readonly Handle $client)
    {
    }

    /**
     * @param array<string, mixed> $request
     */
    private function call(string $op, array $request = []): mixed
    {
        return Native::get()->call($this->client, ['op' => 'webhooks.' . $op] + $request);
    }

    /**
     * Registers a webhook and returns it, with its `secret` (only shown now).
     *
     * @param list<string>         $events  e.g. `['company.created']` (see {@see Client::eventTypes()})
     * @param array<string, mixed> $options `filters` (`['customer_account' => 'CUST-001']`,
     *                                      `min_<field>` / `max_<field>` compare numbers),
     *                                      `retryPolicy` (`['max_retries' => 5, 'backoff_ms' => 1000]`),
     *                                      `secret` (your own `whsec_...`), `active`, `description`
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function register(string $url, array $events, array $options = []): array
    {
        return $this->create(['url' => $url, 'events' => $events] + $options);
    }

    /**
     * Registers a webhook from parameters: `url`, `events`, and the options of {@see register()}.
     *
     * @param array<string, mixed> $params
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function create(array $params): array
    {
        return $this->call('create', self::params($params));
    }

    /**
     * @param array<string, mixed> $p
     *
     * @return array<string, mixed>
     */
    private static function params(array $p): array
    {
        $out = [];
        foreach ($p as $k => $v) {
            $key = match ($k) {
                'retryPolicy', 'retry_policy' => 'retry_policy',
                'url', 'events', 'filters', 'secret', 'active', 'description' => $k,
                default => throw new ErpException(
                    "unknown webhook parameter {$k}: expected url, events, filters, retryPolicy, secret, active or description",
                    'invalid_request',
                    'INVALID_REQUEST',
                ),
            };
            $out[$key] = match ($key) {
                'filters' => (object) $v,
                'events' => array_values((array) $v),
                default => $v,
            };
        }
        return $out;
    }

    /**
     * The tenant's webhooks (no secrets).
     *
     * @return Page<array<string, mixed>>
     * @throws ErpException
     */
    public function list(): Page
    {
        $r = $this->call('list');
        return new Page($r['data'], $r['next_cursor'] ?? null);
    }

    /**
     * One webhook.
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function get(string $id): array
    {
        return $this->call('get', ['id' => $id]);
    }

    /**
     * Changes a webhook: any of `url`, `events`, `filters`, `retryPolicy`, `active`, `description`.
     *
     * @param array<string, mixed> $changes
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function update(string $id, array $changes): array
    {
        return $this->call('update', ['id' => $id] + self::params($changes));
    }

    /**
     * Deletes a webhook.
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function delete(string $id): array
    {
        return (array) $this->call('delete', ['id' => $id]);
    }

    /**
     * Delivers a sample event (`webhook.test`) now; returns the delivery.
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function test(string $id): array
    {
        return $this->call('test', ['id' => $id]);
    }

    /**
     * Replaces the signing secret; returns the webhook with its new `secret`.
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function rotateSecret(string $id): array
    {
        return $this->call('rotate_secret', ['id' => $id]);
    }

    /**
     * The deliveries of a webhook, newest first.
     *
     * @param string|null $status pending, succeeded or failed
     *
     * @return Page<array<string, mixed>>
     * @throws ErpException
     */
    public function deliveries(string $id, ?string $status = null, ?int $limit = null, ?string $cursor = null): Page
    {
        $r = $this->call('deliveries', ['id' => $id, 'status' => $status, 'limit' => $limit, 'cursor' => $cursor]);
        return new Page($r['data'], $r['next_cursor'] ?? null);
    }

    /**
     * One delivery, with every attempt (`attempts`).
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function delivery(string $id, string $deliveryId): array
    {
        return $this->call('delivery', ['id' => $id, 'delivery_id' => $deliveryId]);
    }

    /**
     * Sends a delivery again now (e.g. a failed one).
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function retryDelivery(string $id, string $deliveryId): array
    {
        return $this->call('retry_delivery', ['id' => $id, 'delivery_id' => $deliveryId]);
    }

    /**
     * Health of a webhook: counts by status, success rate, p50 / p95 latency (last hour, last 24 h).
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function stats(string $id): array
    {
        return (array) $this->call('stats', ['id' => $id]);
    }
}
