<?php

declare(strict_types=1);

namespace Erp\ApiClient;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Internal\Handle;
use Erp\ApiClient\Internal\Native;

/**
 * A fluent request on one resource. Every builder method returns a new query, so a base
 * query can be reused:
 *
 * ```php
 * $active = $client->companies()->filter(['status' => 'active']);
 * $page = $active->sort('-created_at')->paginate(10)->get();   // one page
 * foreach ($active->all() as $company) { ... }                 // every record of every page
 * $company = $client->companies()->find('cmp_123');
 * ```
 *
 * Invalid arguments (a limit out of range, a malformed field name) are reported by the call
 * that sends the request, as an {@see ErpException} of kind `invalid_request`.
 *
 * @implements \IteratorAggregate<int, array<string, mixed>>
 */
final class Query implements \IteratorAggregate
{
    /** @var list<array{0: string, 1: scalar}> */
    private array $filters = [];
    private ?string $sort = null;
    private ?int $limit = null;
    private ?string $cursor = null;
    /** @var array<string, mixed> */
    private array $options = [];

    /** @internal use the resource accessors of {@see Client} */
    public function __construct(private readonly Handle $client, private readonly string $resource)
    {
    }

    /**
     * Keeps records whose fields equal these values (`filter[field]=value`); adds to earlier filters.
     *
     * @param array<string, scalar>|string $filters `['status' => 'active']`, or a field name
     * @param scalar|null                  $value   the value, when $filters is a field name
     */
    public function filter(array|string $filters, string|int|float|bool|null $value = null): self
    {
        $q = clone $this;
        if (is_string($filters)) {
            $filters = [$filters => $value];
        }
        foreach ($filters as $field => $v) {
            $q->filters[] = [(string) $field, $v];
        }
        return $q;
    }

    /** Sorts by a field; `-field` for descending (`-created_at`). */
    public function sort(string $field): self
    {
        $q = clone $this;
        $q->sort = $field;
        return $q;
    }

    /** Page size, 1 to 100 (the server's default is 20). */
    public function limit(int $limit): self
    {
        $q = clone $this;
        $q->limit = $limit;
        return $q;
    }

    /** Pages of `$perPage` records: then `get()` for one page, `all()` for every record. */
    public function paginate(int $perPage = 20): self
    {
        return $this->limit($perPage);
    }

    /** Starts at this cursor (a previous page's `nextCursor`). */
    public function cursor(?string $cursor): self
    {
        $q = clone $this;
        $q->cursor = $cursor;
        return $q;
    }

    /** Timeout of each attempt of this request, in seconds. */
    public function timeout(float $seconds): self
    {
        return $this->withOption('timeout', $seconds);
    }

    /** Retries for this request (0 disables). */
    public function maxRetries(int $n): self
    {
        return $this->withOption('maxRetries', $n);
    }

    /** The `Idempotency-Key` of the write this query sends (a POST without one gets a generated key). */
    public function idempotencyKey(string $key): self
    {
        return $this->withOption('idempotencyKey', $key);
    }

    /** An extra header for this request. */
    public function header(string $name, string $value): self
    {
        $headers = $this->options['headers'] ?? [];
        $headers[$name] = $value;
        return $this->withOption('headers', $headers);
    }

    /**
     * Do not deliver the events this write causes to these webhooks (`'*'`: to none of the
     * tenant's): the loop breaker for consumers that write back to the API.
     *
     * @param string|list<string> $webhookIds
     */
    public function suppressWebhooks(string|array $webhookIds): self
    {
        $ids = array_merge($this->options['suppressWebhooks'] ?? [], (array) $webhookIds);
        return $this->withOption('suppressWebhooks', $ids);
    }

    /**
     * Sets several per-request options at once: `timeout`, `maxRetries`, `idempotencyKey`,
     * `headers`, `suppressWebhooks`.
     *
     * @param array<string, mixed> $options
     */
    public function withOptions(array $options): self
    {
        $q = clone $this;
        foreach ($options as $k => $v) {
            $q->options[$k] = $v;
        }
        Options::from($q->options);
        return $q;
    }

    private function withOption(string $name, mixed $value): self
    {
        $q = clone $this;
        $q->options[$name] = $value;
        return $q;
    }

    /**
     * The request description; fields left at their default are left out (less to encode
     * here and to parse in the library on every call).
     *
     * @return array<string, mixed>
     */
    private function describe(string $op): array
    {
        $d = ['op' => $op, 'resource' => $this->resource];
        if ($this->filters !== []) {
            $d['filters'] = $this->filters;
        }
        if ($this->sort !== null) {
            $d['sort'] = $this->sort;
        }
        if ($this->limit !== null) {
            $d['limit'] = $this->limit;
        }
        if ($this->cursor !== null) {
            $d['cursor'] = $this->cursor;
        }
        if ($this->options !== []) {
            $d['options'] = Options::from($this->options);
        }
        return $d;
    }

    /**
     * One page (`GET /{resource}`).
     *
     * @throws ErpException
     */
    public function get(): Page
    {
        $r = Native::get()->call($this->client, $this->describe('resource.list'));
        return new Page($r['data'], $r['next_cursor'] ?? null);
    }

    /**
     * Every record of every page, fetching the next page when the current one is used up
     * (the paging itself is done by the core). Stops after the last page.
     *
     * @return \Generator<int, array<string, mixed>>
     * @throws ErpException
     */
    public function all(): \Generator
    {
        foreach ($this->pages() as $page) {
            yield from $page->data;
        }
    }

    /**
     * Every page, one after the other.
     *
     * @return \Generator<int, Page>
     * @throws ErpException
     */
    public function pages(): \Generator
    {
        $native = Native::get();
        $p = $native->handle('erp_paginator_new', 'erp_paginator_free', $this->client->ptr, Native::encode($this->describe('paginate')));
        $i = 0;
        while (($r = $native->unwrap($native->ffi->erp_paginator_next($p->ptr))) !== null) {
            yield $i++ => new Page($r['data'], $r['next_cursor'] ?? null);
        }
    }

    /** @return \Generator<int, array<string, mixed>> */
    public function getIterator(): \Generator
    {
        return $this->all();
    }

    /**
     * One record (`GET /{resource}/{id}`).
     *
     * @return array<string, mixed>
     * @throws ErpException NotFoundException when there is no such record
     */
    public function find(string $id): array
    {
        $native = Native::get();
        if ($this->options === [] && $this->filters === [] && $this->sort === null && $this->limit === null
            && $this->cursor === null) {
            // Nothing but the id: the direct entry point, with no request description.
            return $native->unwrap($native->ffi->erp_resource_get(
                $this->client->ptr,
                $this->resource,
                strlen($this->resource),
                $id,
                strlen($id),
            ));
        }
        return $native->call($this->client, ['id' => $id] + $this->describe('resource.get'));
    }

    /**
     * Creates a record (`POST /{resource}`) and returns it.
     *
     * @param array<string, mixed> $data
     *
     * @return array<string, mixed>
     * @throws ErpException ValidationFailedException when a field is invalid
     */
    public function create(array $data): array
    {
        return Native::get()->call($this->client, ['body' => Native::object($data)] + $this->describe('resource.create'));
    }

    /**
     * Updates fields of a record (`PATCH /{resource}/{id}`) and returns it.
     *
     * @param array<string, mixed> $data
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function update(string $id, array $data): array
    {
        return Native::get()->call($this->client, ['id' => $id, 'body' => Native::object($data)] + $this->describe('resource.update'));
    }

    /**
     * Deletes a record (`DELETE /{resource}/{id}`); returns `['id' => ..., 'deleted' => true]`.
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function delete(string $id): array
    {
        return Native::get()->call($this->client, ['id' => $id] + $this->describe('resource.delete'));
    }

    /**
     * Builds the request of an operation without sending it (a dry run): `method`, `url`,
     * `path`, `query`, `headers` (name => value, credentials included), `body`,
     * `idempotency_key`.
     *
     * @param string                    $operation list, get, create, update or delete
     * @param array<string, mixed>|null $body
     *
     * @return array<string, mixed>
     * @throws ErpException kind `invalid_request` when the request cannot be built
     */
    public function prepare(string $operation = 'list', ?string $id = null, ?array $body = null): array
    {
        return Native::get()->call($this->client, [
            'operation' => $operation,
            'id' => $id,
            'body' => $body === null ? null : Native::object($body),
        ] + $this->describe('resource.prepare'));
    }
}
