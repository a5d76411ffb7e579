<?php

declare(strict_types=1);

namespace Erp\ApiClient\Internal;

use Erp\ApiClient\Exception\ErpException;

/**
 * Hooks that expose the core's own decisions to the shared test vectors
 * (spec/vectors/retry.json and errors.json). Translation only.
 *
 * @internal
 */
final class Testing
{
    /**
     * The exception the SDK raises for a response (the core's `Error::from_response`).
     *
     * @param array<string, string> $headers
     */
    public static function errorFromResponse(int $status, array $headers, string $body, ?int $now = null): ErpException
    {
        $e = Native::get()->callStatic([
            'op' => 'error.from_response',
            'status' => $status,
            'headers' => (object) $headers,
            'body_base64' => base64_encode($body),
            'now_unix' => $now,
        ]);
        return ErpException::fromError($e);
    }

    /**
     * The core's retry decision after a failed attempt: `['retry' => false]` or
     * `['retry' => true, 'min_delay_ms' => ..., 'max_delay_ms' => ...]`.
     *
     * @param array<string, int>   $policy  max_retries, base_delay_ms, max_delay_ms, max_retry_after_ms
     * @param array<string, mixed> $outcome `['status' => 503, 'retry_after' => '2']` or `['error' => 'timeout']`
     *
     * @return array<string, mixed>
     */
    public static function retryDecide(array $policy, int $retriesDone, array $outcome, ?int $now = null): array
    {
        return Native::get()->callStatic([
            'op' => 'retry.decide',
            'policy' => (object) $policy,
            'retries_done' => $retriesDone,
            'outcome' => (object) $outcome,
            'now_unix' => $now,
        ]);
    }

    /**
     * The spec tables of the core: resources, event types, error codes.
     *
     * @return array<string, mixed>
     */
    public static function spec(): array
    {
        return Native::get()->callStatic(['op' => 'spec']);
    }
}
