<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 403: the credential lacks a scope. */
class ForbiddenException extends ApiException
{
}
