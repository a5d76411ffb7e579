<?php

declare(strict_types=1);

namespace Erp\ApiClient;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Internal\Handle;
use Erp\ApiClient\Internal\Native;

/**
 * Builds and runs a batch of operations in one request.
 *
 * ```php
 * $result = $client->batch()
 *     ->addOperation('POST', '/companies', ['name' => 'Acme'])
 *     ->addOperation('POST', '/companies', ['name' => 'Globex'])
 *     ->strict()                       // all or nothing (the default)
 *     ->idempotencyKey('import-2026-11-23')
 *     ->execute();
 * ```
 *
 * `strict`: one transaction, at most 1000 operations. `lenient`: each operation on its own;
 * more than 1000 are split into several batch requests by the core. `submit()` runs the batch
 * in the background and returns a {@see BatchHandle} to `wait()` on.
 */
final class Batch
{
    /** @var list<array{method: string, path: string, body?: mixed}> */
    private array $operations = [];
    private ?string $mode = null;
    private ?bool $stopOnError = null;
    private ?int $maxParallel = null;
    private ?string $idempotencyKey = null;
    private ?int $chunkSize = null;
    /** @var array<string, mixed> */
    private array $options = [];

    /** @internal use {@see Client::batch()} */
    public function __construct(private readonly Handle $client)
    {
    }

    /**
     * Adds an operation.
     *
     * @param string                   $method GET, POST, PATCH or DELETE
     * @param string                   $path   relative to `/api/v1`, e.g. `/companies` or `/companies/cmp_1`
     * @param array<mixed>|object|null $body   the JSON body, for POST and PATCH
     */
    public function addOperation(string $method, string $path, array|object|null $body = null): self
    {
        $op = ['method' => $method, 'path' => $path];
        if ($body !== null) {
            $op['body'] = Native::object($body);
        }
        $this->operations[] = $op;
        return $this;
    }

    /**
     * Alias of {@see addOperation()}.
     *
     * @param array<mixed>|object|null $body
     */
    public function add(string $method, string $path, array|object|null $body = null): self
    {
        return $this->addOperation($method, $path, $body);
    }

    /** The number of operations added so far. */
    public function count(): int
    {
        return count($this->operations);
    }

    /** All or nothing, in one transaction (the default). */
    public function strict(): self
    {
        $this->mode = 'strict';
        return $this;
    }

    /** Each operation on its own. */
    public function lenient(): self
    {
        $this->mode = 'lenient';
        return $this;
    }

    /** `strict` or `lenient`. */
    public function mode(string $mode): self
    {
        $this->mode = $mode;
        return $this;
    }

    /** Lenient batches: skip the rest after the first failure. */
    public function stopOnError(bool $stop = true): self
    {
        $this->stopOnError = $stop;
        return $this;
    }

    /** How many operations the server runs at once (1 to 20; server default 5). */
    public function maxParallel(int $n): self
    {
        $this->maxParallel = $n;
        return $this;
    }

    /** The batch's `Idempotency-Key` (chunks of a big lenient batch use `<key>:<n>`). */
    public function idempotencyKey(string $key): self
    {
        $this->idempotencyKey = $key;
        return $this;
    }

    /** Operations per request when a lenient batch is split (1 to 1000, default 1000). */
    public function chunkSize(int $n): self
    {
        $this->chunkSize = $n;
        return $this;
    }

    /**
     * Per-request options of the batch calls: `timeout`, `maxRetries`, `headers`, `suppressWebhooks`.
     *
     * @param array<string, mixed> $options
     */
    public function withOptions(array $options): self
    {
        $this->options = $options + $this->options;
        return $this;
    }

    /** @return array<string, mixed> */
    private function describe(string $op): array
    {
        return [
            'op' => $op,
            'operations' => $this->operations,
            'mode' => $this->mode,
            'stop_on_error' => $this->stopOnError,
            'max_parallel' => $this->maxParallel,
            'idempotency_key' => $this->idempotencyKey,
            'chunk_size' => $this->chunkSize,
            'options' => Options::from($this->options),
        ];
    }

    /**
     * Runs the batch and returns its result. Item failures do not throw: see
     * {@see BatchResult::failures()}; only a batch request that is itself refused does.
     *
     * @throws ErpException
     */
    public function execute(): BatchResult
    {
        return BatchResult::fromArray(Native::get()->call($this->client, $this->describe('batch.execute')));
    }

    /**
     * Submits the batch to run in the background; `wait()` on the handle for the result.
     *
     * @throws ErpException
     */
    public function submit(): BatchHandle
    {
        $r = Native::get()->call($this->client, $this->describe('batch.submit'));
        return new BatchHandle($this->client, (string) $r['id']);
    }

    /**
     * Imports CSV rows as records of `$resource` (its path, `inventory-items`, or snake-case
     * name): each row becomes a `POST /{resource}`, sent as lenient batches of `$batchSize`
     * rows. Parsing, checks, chunking and checkpoints are the core's. The header row names the
     * fields; empty cells are left out; cells of number fields become numbers.
     *
     * ```php
     * $r = $client->batch()->fromCsv('inventory-items', $csv, batchSize: 500, idempotencyKey: 'stock-1');
     * foreach ($r['errors'] as $e) { echo "row {$e['row']}: {$e['error']['code']}\n"; }
     * // Interrupted? Run again with resumeFrom: $r['checkpoint'] and the same idempotency key.
     * ```
     *
     * Failed rows do not throw: they are listed in `errors` (a local check, `INVALID_VALUE`,
     * `MISSING_FIELD`, `MALFORMED_ROW`, is never sent; an API failure, e.g. `CONFLICT`, is
     * reported for its row). Per-request options come from {@see withOptions()}. There is no
     * progress callback: the returned `checkpoint` is the rows handled.
     *
     * @param string      $resource       e.g. `inventory-items`
     * @param string      $csv            the CSV text, header row first
     * @param bool        $validateOnly   only parse and check the rows locally; send nothing
     * @param int         $batchSize      rows per batch request (1 to 1000)
     * @param int         $resumeFrom     skip this many data rows (a `checkpoint` of an earlier run)
     * @param string|null $idempotencyKey a key for the whole import: each chunk is sent with
     *                                    `<key>:<first row>`, so a resumed run replays instead of
     *                                    creating rows twice
     *
     * @return array{rows_total: int, rows_skipped: int, imported: int, failed: int,
     *               errors: list<array{row: int, error: array{code: string, message: string, details: mixed}}>,
     *               checkpoint: int, validate_only: bool}
     * @throws ErpException kind `invalid_request` for an unknown resource or column, a missing
     *                      required column, or a batch size out of range; an API error if a
     *                      batch request itself is refused
     */
    public function fromCsv(
        string $resource,
        string $csv,
        bool $validateOnly = false,
        int $batchSize = 500,
        int $resumeFrom = 0,
        ?string $idempotencyKey = null,
    ): array {
        return Native::get()->call($this->client, [
            'op' => 'batch.from_csv',
            'resource' => $resource,
            'csv' => $csv,
            'validate_only' => $validateOnly,
            'batch_size' => $batchSize,
            'resume_from' => $resumeFrom,
            'idempotency_key' => $idempotencyKey,
            'options' => Options::from($this->options),
        ]);
    }

    /**
     * The (first) batch request, built but not sent (a dry run).
     *
     * @return array<string, mixed>
     * @throws ErpException
     */
    public function prepare(): array
    {
        return Native::get()->call($this->client, $this->describe('batch.prepare'));
    }
}
