<?php

declare(strict_types=1);

namespace Erp\ApiClient;

/**
 * The result of a batch (or, for a running background batch, its state).
 *
 * Each item of `results` is an array `['index' => 0, 'status' => 201, 'success' => true,
 * 'body' => [...]]` or, for a failed one, `['index' => 2, 'status' => 404, 'success' => false,
 * 'error' => ['code' => 'NOT_FOUND', 'message' => ...]]` (in a strict batch that failed, the
 * others carry `ROLLED_BACK` or `SKIPPED`).
 */
final class BatchResult
{
    /**
     * @param list<array<string, mixed>> $results
     * @param list<string>               $batchIds
     */
    public function __construct(
        public readonly string $id,
        public readonly string $status,
        public readonly ?string $mode,
        public readonly int $total,
        public readonly int $successful,
        public readonly int $failed,
        public readonly array $results,
        public readonly int $durationMs = 0,
        public readonly ?int $processed = null,
        public readonly array $batchIds = [],
    ) {
    }

    /**
     * @internal
     *
     * @param array<string, mixed> $r
     */
    public static function fromArray(array $r): self
    {
        return new self(
            (string) $r['id'],
            (string) $r['status'],
            $r['mode'] ?? null,
            (int) ($r['total'] ?? 0),
            (int) ($r['successful'] ?? 0),
            (int) ($r['failed'] ?? 0),
            $r['results'] ?? [],
            (int) ($r['duration_ms'] ?? 0),
            isset($r['processed']) ? (int) $r['processed'] : null,
            $r['batch_ids'] ?? [],
        );
    }

    /** Whether the batch completed and every operation succeeded. */
    public function allSucceeded(): bool
    {
        return $this->status === 'completed' && $this->failed === 0;
    }

    /**
     * The results that did not succeed.
     *
     * @return list<array<string, mixed>>
     */
    public function failures(): array
    {
        return array_values(array_filter($this->results, static fn (array $r): bool => !($r['success'] ?? false)));
    }

    /**
     * The created or updated records, in order (bodies of the successful results).
     *
     * @return list<mixed>
     */
    public function bodies(): array
    {
        $out = [];
        foreach ($this->results as $r) {
            if ($r['success'] ?? false) {
                $out[] = $r['body'] ?? null;
            }
        }
        return $out;
    }

    /** @return array<string, mixed> */
    public function toArray(): array
    {
        return [
            'id' => $this->id,
            'status' => $this->status,
            'mode' => $this->mode,
            'total' => $this->total,
            'processed' => $this->processed,
            'successful' => $this->successful,
            'failed' => $this->failed,
            'results' => $this->results,
            'duration_ms' => $this->durationMs,
            'batch_ids' => $this->batchIds,
        ];
    }
}
