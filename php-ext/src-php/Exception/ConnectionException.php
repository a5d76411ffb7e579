<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** The connection could not be made, or broke before a response arrived (after the retries). */
class ConnectionException extends ErpException
{
}
