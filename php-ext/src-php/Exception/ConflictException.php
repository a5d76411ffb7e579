<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 409: conflict with the current state (e.g. a duplicate SKU). */
class ConflictException extends ApiException
{
}
