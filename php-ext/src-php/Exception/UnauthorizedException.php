<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 401: no credential, or a wrong one. */
class UnauthorizedException extends ApiException
{
}
