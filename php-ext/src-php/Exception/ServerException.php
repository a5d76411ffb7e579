<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 5xx: the server failed (code INTERNAL, UNAVAILABLE, ...). */
class ServerException extends ApiException
{
}
