<?php

declare(strict_types=1);

namespace Erp\ApiClient\Exception;

/**
 * The native library cannot be used: ext-ffi is missing, FFI is disabled by `ffi.enable`, or
 * the library file is missing. The message says exactly what to do.
 */
class LibraryException extends ErpException
{
    public function __construct(string $message, ?\Throwable $previous = null)
    {
        parent::__construct($message, 'library_unavailable', 'LIBRARY_UNAVAILABLE', null, null, null, $previous);
    }
}
