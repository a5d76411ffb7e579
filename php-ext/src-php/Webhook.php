<?php

declare(strict_types=1);

namespace Erp\ApiClient;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Exception\WebhookVerificationException;
use Erp\ApiClient\Internal\Handle;
use Erp\ApiClient\Internal\Native;

/**
 * Verifies (and signs) webhook deliveries.
 *
 * ```php
 * $wh = new Webhook(getenv('ERP_WEBHOOK_SECRET'));
 * try {
 *     $event = $wh->verify(file_get_contents('php://input'), getallheaders());
 * } catch (WebhookVerificationException $e) {
 *     http_response_code(400);
 *     exit;
 * }
 * ```
 *
 * Accepts the Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) and `X-Webhook-Signature: sha256=...`; several secrets during a
 * rotation; rejects a timestamp more than `$tolerance` seconds from now. Comparison is in
 * constant time. The secrets never appear in messages or dumps.
 */
final class Webhook
{
    private readonly Handle $handle;

    /**
     * @param string|list<string> $secret    the `whsec_...` secret, or several (rotation)
     * @param int                 $tolerance seconds `webhook-timestamp` may be from now (default 300)
     *
     * @throws WebhookVerificationException reason `invalid_secret` for an unusable secret
     */
    public function __construct(string|array $secret, int $tolerance = 300)
    {
        if ($tolerance < 0) {
            throw new ErpException('tolerance must be 0 or more seconds', 'invalid_config', 'INVALID_CONFIG');
        }
        $this->handle = Native::get()->handle(
            'erp_webhook_new',
            'erp_webhook_free',
            Native::encode(array_values((array) $secret)),
            $tolerance,
        );
    }

    /**
     * Verifies a delivery and returns the event (`id`, `type`, `created_at`, `data`, ...).
     *
     * @param string                             $body    the raw request body, exactly as received
     * @param array<string, string|list<string>> $headers the request headers, names in any case
     *                                                    (`getallheaders()`, a PSR-7 `getHeaders()`)
     * @param int|null                           $now     unix time to check against (default: now)
     *
     * @return array<string, mixed>
     * @throws WebhookVerificationException with {@see WebhookVerificationException::getReason()}
     */
    public function verify(string $body, array $headers, ?int $now = null): array
    {
        // The library checks the signature; PHP's own json_decode is the only decoder of the
        // body (decoding it in the library too would only be thrown away).
        $this->verifySignature($body, $headers, $now);
        try {
            return json_decode($body, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException) {
            throw new WebhookVerificationException('the signature is valid but the body is not JSON', 'invalid_payload');
        }
    }

    /**
     * Checks only the signature and the timestamp of a delivery, without decoding the body:
     * for code that decodes the body itself. Fails exactly as {@see verify()} does, except
     * that a body that is not JSON passes.
     *
     * ```php
     * $wh->verifySignature($body, getallheaders()); // throws unless authentic
     * $event = MyEvent::fromJson($body);
     * ```
     *
     * @param string                             $payload the raw request body, exactly as received
     * @param array<string, string|list<string>> $headers the request headers, names in any case
     *                                                    (`getallheaders()`, a PSR-7 `getHeaders()`)
     * @param int|null                           $now     unix time to check against (default: now)
     *
     * @throws WebhookVerificationException with {@see WebhookVerificationException::getReason()}
     */
    public function verifySignature(string $payload, array $headers, ?int $now = null): void
    {
        // Only the four signature headers cross to the library, as plain strings (no JSON).
        $h = array_change_key_case($headers, CASE_LOWER);
        $native = Native::get();
        $err = $native->ffi->erp_webhook_verify_signature(
            $this->handle->ptr,
            $payload,
            strlen($payload),
            self::headerValue($h['webhook-id'] ?? null),
            self::headerValue($h['webhook-timestamp'] ?? null),
            self::headerValue($h['webhook-signature'] ?? null),
            self::headerValue($h['x-webhook-signature'] ?? null),
            $now ?? -1,
        );
        if ($err !== null) {
            $native->unwrap($err); // throws
        }
    }

    /** @param string|list<string>|null $value */
    private static function headerValue(mixed $value): ?string
    {
        return $value === null || is_string($value) ? $value : (is_array($value) ? implode(', ', $value) : (string) $value);
    }

    /**
     * Signs a message as the API does (for tests, and for sending webhooks yourself): returns
     * the headers `webhook-id`, `webhook-timestamp`, `webhook-signature` and `x-webhook-signature`.
     *
     * @return array<string, string>
     */
    public function sign(string $msgId, int $timestamp, string $body): array
    {
        $native = Native::get();
        return $native->unwrap($native->ffi->erp_webhook_sign($this->handle->ptr, $msgId, $timestamp, $body, strlen($body)));
    }

    /**
     * The request headers from `$_SERVER` (for SAPIs without `getallheaders()`).
     *
     * @param array<string, mixed>|null $server defaults to `$_SERVER`
     *
     * @return array<string, string>
     */
    public static function headersFromServer(?array $server = null): array
    {
        $out = [];
        foreach ($server ?? $_SERVER as $k => $v) {
            if (is_string($k) && str_starts_with($k, 'HTTP_') && is_scalar($v)) {
                $out[strtolower(str_replace('_', '-', substr($k, 5)))] = (string) $v;
            }
        }
        return $out;
    }

    /** @return array<string, string> */
    public function __debugInfo(): array
    {
        return ['secrets' => '[redacted]'];
    }
}
