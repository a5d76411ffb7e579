<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/** 404: no such resource or record. */
class NotFoundException extends ApiException
{
}
