<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/**
 * A webhook delivery did not verify. {@see getReason()} says why: `missing_header`,
 * `malformed_header`, `timestamp_too_old`, `timestamp_too_new`, `no_matching_signature`,
 * `invalid_payload` or `invalid_secret`. Answer such a request with 400 and do not process it.
 */
class WebhookVerificationException extends ErpException
{
    public function __construct(string $message, private readonly string $reason = '')
    {
        parent::__construct($message, 'webhook_verification', 'WEBHOOK_VERIFICATION');
    }

    /** Why verification failed (a stable string, see the class description). */
    public function getReason(): string
    {
        return $this->reason;
    }
}
