<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 429: rate limited (after the retries); {@see getRetryAfter()} says when to try again. */
class RateLimitedException extends ApiException
{
    /**
     * @param mixed $details
     */
    public function __construct(
        string $message,
        string $kind = 'rate_limited',
        string $errorCode = 'RATE_LIMITED',
        ?int $status = 429,
        ?string $requestId = null,
        mixed $details = null,
        private readonly ?int $retryAfter = null,
    ) {
        parent::__construct($message, $kind, $errorCode, $status, $requestId, $details);
    }

    /** Seconds the server asked the client to wait (`Retry-After`), if it said. */
    public function getRetryAfter(): ?int
    {
        return $this->retryAfter;
    }
}
