<?php

declare(strict_types=1);

namespace Erp\ApiClient;

/**
 * Per-request options as the library takes them.
 *
 * @internal
 */
final class Options
{
    /**
     * @param array<string, mixed> $o `timeout` (seconds), `maxRetries`, `idempotencyKey`,
     *                                `headers` (name => value), `suppressWebhooks` (ids or `*`)
     *
     * @return array<string, mixed>
     */
    public static function from(array $o): array
    {
        $out = [];
        foreach ($o as $k => $v) {
            match ($k) {
                'timeout' => $out['timeout_ms'] = Client::millis($v === null ? null : (float) $v, 'timeout'),
                'maxRetries', 'max_retries' => $out['max_retries'] = $v,
                'idempotencyKey', 'idempotency_key' => $out['idempotency_key'] = $v,
                'headers' => $out['headers'] = (object) $v,
                'suppressWebhooks', 'suppress_webhooks' => $out['suppress_webhooks'] = array_values((array) $v),
                default => throw new \Erp\ApiClient\Exception\ErpException(
                    "unknown request option {$k}: expected timeout, maxRetries, idempotencyKey, headers or suppressWebhooks",
                    'invalid_request',
                    'INVALID_REQUEST',
                ),
            };
        }
        return $out;
    }
}
