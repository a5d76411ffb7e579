<?php

declare(strict_types=1);

namespace Erp\ApiClient\Internal;

/**
 * Owns one native handle and releases it when the last reference goes away.
 *
 * @internal
 */
final class Handle
{
    public function __construct(
        private readonly \FFI $ffi,
        public readonly \FFI\CData $ptr,
        private readonly string $free,
    ) {
    }

    public function __destruct()
    {
        $this->ffi->{$this->free}($this->ptr);
    }

    public function __clone()
    {
        throw new \LogicException('a native handle cannot be cloned');
    }

    /** @return array<string, string> */
    public function __debugInfo(): array
    {
        return ['handle' => $this->free];
    }
}
