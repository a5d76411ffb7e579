<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests\Support;

use Erp\ApiClient\Client;
use PHPUnit\Framework\TestCase;

/** Tests against one sandbox shared by the run (started on first use, stopped at exit). */
abstract class SandboxTestCase extends TestCase
{
    private static ?Sandbox $sandbox = null;

    protected static function sandbox(): Sandbox
    {
        return self::$sandbox ??= new Sandbox();
    }

    /** A fresh tenant with every scope (or the given ones), so tests never see each other's data. */
    protected static function newKey(array|string $scopes = '*'): string
    {
        return self::sandbox()->newKey('ten_' . bin2hex(random_bytes(5)), $scopes);
    }

    protected static function client(?string $key = null, ?int $maxRetries = null, ?float $timeout = null): Client
    {
        return new Client(
            apiKey: $key ?? self::newKey(),
            baseUrl: self::sandbox()->url,
            timeout: $timeout,
            maxRetries: $maxRetries,
        );
    }
}
