<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** No response within the timeout (after the retries). */
class TimeoutException extends ErpException
{
}
