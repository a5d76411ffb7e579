<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/**
 * The server answered with a non-2xx status. {@see getStatus()}, {@see getErrorCode()},
 * {@see getRequestId()} and {@see getDetails()} say what it said.
 */
class ApiException extends ErpException
{
    /** The HTTP status of the response. */
    public function getStatus(): int
    {
        return (int) parent::getStatus();
    }
}
