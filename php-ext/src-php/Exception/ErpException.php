<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/**
 * The base of every exception the SDK throws.
 *
 * API errors (the server answered with a non-2xx status) are {@see ApiException}s; the others
 * describe what went wrong on the client side: {@see ConnectionException},
 * {@see TimeoutException}, {@see WebhookVerificationException}, and this class itself for an
 * invalid configuration or request (kind `invalid_config`, `invalid_request`, `decode_error`).
 */
class ErpException extends \RuntimeException
{
    private const CLASSES = [
        'bad_request' => BadRequestException::class,
        'unauthorized' => UnauthorizedException::class,
        'forbidden' => ForbiddenException::class,
        'not_found' => NotFoundException::class,
        'conflict' => ConflictException::class,
        'validation_failed' => ValidationFailedException::class,
        'rate_limited' => RateLimitedException::class,
        'server_error' => ServerException::class,
        'connection_error' => ConnectionException::class,
        'timeout' => TimeoutException::class,
        'webhook_verification' => WebhookVerificationException::class,
    ];

    /**
     * @param string      $message   a readable message (never contains a secret)
     * @param string      $kind      the stable kind, e.g. `not_found`, `timeout`, `invalid_config`
     * @param string      $errorCode the API's code (`NOT_FOUND`, ...) or the kind in upper case
     * @param int|null    $status    the HTTP status, where there was a response
     * @param string|null $requestId the request id (`req_...`), where the server gave one
     * @param mixed       $details   structured details from the error body
     */
    public function __construct(
        string $message,
        private readonly string $kind = 'internal_error',
        private readonly string $errorCode = 'INTERNAL_ERROR',
        private readonly ?int $status = null,
        private readonly ?string $requestId = null,
        private readonly mixed $details = null,
        ?\Throwable $previous = null,
    ) {
        parent::__construct($message, 0, $previous);
    }

    /**
     * Builds the exception of the right class from the library's error description.
     *
     * @internal
     *
     * @param array<string, mixed> $e `{kind, status, code, message, request_id, details, retry_after, reason}`
     */
    public static function fromError(array $e): self
    {
        $kind = (string) ($e['kind'] ?? 'internal_error');
        $class = self::CLASSES[$kind] ?? self::class;
        $status = isset($e['status']) ? (int) $e['status'] : null;
        $code = (string) ($e['code'] ?? strtoupper($kind));
        $requestId = isset($e['request_id']) ? (string) $e['request_id'] : null;
        $message = (string) ($e['message'] ?? '');
        $details = $e['details'] ?? null;
        return match ($class) {
            RateLimitedException::class => new RateLimitedException(
                $message, $kind, $code, $status, $requestId, $details,
                isset($e['retry_after']) ? (int) $e['retry_after'] : null,
            ),
            WebhookVerificationException::class => new WebhookVerificationException(
                $message, (string) ($e['reason'] ?? ''),
            ),
            default => new $class($message, $kind, $code, $status, $requestId, $details),
        };
    }

    /** The stable kind string, e.g. `not_found`, `timeout`, `invalid_request`. */
    public function getKind(): string
    {
        return $this->kind;
    }

    /** The API's error code (`NOT_FOUND`, `VALIDATION_FAILED`, ...), or the kind in upper case. */
    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** The HTTP status, where there was a response. */
    public function getStatus(): ?int
    {
        return $this->status;
    }

    /** The request id (`req_...`) to quote to support, where the server gave one. */
    public function getRequestId(): ?string
    {
        return $this->requestId;
    }

    /**
     * Structured details from the error body, e.g. `['fields' => [['field' => 'name', ...]]]`.
     *
     * @return mixed
     */
    public function getDetails(): mixed
    {
        return $this->details;
    }
}
