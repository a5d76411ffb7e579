<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 422: validation failed (getDetails()['fields'] lists each field), or an idempotency key was reused. */
class ValidationFailedException extends ApiException
{
}
