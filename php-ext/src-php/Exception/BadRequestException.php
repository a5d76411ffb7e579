<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 400, 413 or another 4xx without a more specific class (code BAD_REQUEST, PAYLOAD_TOO_LARGE, ...). */
class BadRequestException extends ApiException
{
}
