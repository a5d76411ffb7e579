<?php

declare(strict_types=1);

namespace Erp\ApiClient\Internal;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Exception\LibraryException;

/**
 * Loads the native library through FFI and carries JSON across it.
 *
 * @internal Not part of the public API; may change in any release.
 */
final class Native
{
    /** Environment variable naming the library file, overriding the bundled one. */
    public const LIB_ENV = 'ERP_API_CLIENT_LIB';

    private const JSON_OUT = JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_PRESERVE_ZERO_FRACTION;

    private static ?self $instance = null;

    private function __construct(public readonly \FFI $ffi)
    {
    }

    /** The loaded library (loaded on first use, once per process). */
    public static function get(): self
    {
        return self::$instance ??= new self(self::load());
    }

    /** The platform directory name under `lib/`, e.g. `linux-x86_64`. */
    public static function platform(): string
    {
        $os = match (PHP_OS_FAMILY) {
            'Darwin' => 'darwin',
            'Windows' => 'windows',
            default => strtolower(PHP_OS_FAMILY),
        };
        $arch = strtolower(php_uname('m'));
        $arch = match ($arch) {
            'amd64', 'x64' => 'x86_64',
            'arm64' => 'aarch64',
            default => $arch,
        };
        return $os . '-' . $arch;
    }

    /** Where the library is looked for: `$ERP_API_CLIENT_LIB`, else the bundled `lib/<os>-<arch>/`. */
    public static function libraryPath(): string
    {
        $env = getenv(self::LIB_ENV);
        if (is_string($env) && $env !== '') {
            return $env;
        }
        $file = match (PHP_OS_FAMILY) {
            'Darwin' => 'liberp_api_client_ffi.dylib',
            'Windows' => 'erp_api_client_ffi.dll',
            default => 'liberp_api_client_ffi.so',
        };
        return dirname(__DIR__, 2) . '/lib/' . self::platform() . '/' . $file;
    }

    /** The C declarations, from the generated header without its preprocessor lines. */
    public static function cdef(): string
    {
        $header = dirname(__DIR__, 2) . '/include/erp_api_client.h';
        $text = @file_get_contents($header);
        if ($text === false) {
            throw new LibraryException("The C header {$header} is missing: reinstall the erp/api-client package.");
        }
        return (string) preg_replace('/^\s*#.*$/m', '', $text);
    }

    private static function load(): \FFI
    {
        if (!extension_loaded('ffi')) {
            throw new LibraryException(
                'erp/api-client needs the PHP extension ffi (ext-ffi), which is not loaded. '
                . 'Install or enable it: on Debian/Ubuntu it ships with php8.x-common (check `php -m | grep FFI`); '
                . 'make sure "extension=ffi" is not commented out in php.ini '
                . '(php --ini lists the files), or build PHP with --with-ffi.'
            );
        }
        $enable = strtolower((string) ini_get('ffi.enable'));
        if (in_array($enable, ['0', '', 'off', 'false', 'no'], true)) {
            throw new LibraryException(
                'FFI is disabled by the ini setting ffi.enable=' . ($enable === '' ? '0' : $enable) . '. '
                . 'Set ffi.enable=1 in php.ini (or ffi.enable=preload and preload the erp/api-client sources '
                . 'with opcache.preload; see the package README, "PHP-FPM").'
            );
        }
        $path = self::libraryPath();
        if (!is_file($path)) {
            if (getenv(self::LIB_ENV)) {
                throw new LibraryException(
                    "The erp-api-client native library was not found at {$path} (from " . self::LIB_ENV . '). '
                    . 'Point ' . self::LIB_ENV . ' at a built liberp_api_client_ffi library, or unset it to use '
                    . 'the one bundled with the package.'
                );
            }
            throw new LibraryException(
                "The erp-api-client native library was not found at {$path}. "
                . 'Build it with `cargo build --release -p erp-api-client-ffi` (in the erp-api-client repository, '
                . 'or `make php-test`) and copy target/release/' . basename($path) . ' to ' . dirname($path) . '/, '
                . 'or set ' . self::LIB_ENV . '=/path/to/' . basename($path) . '.'
            );
        }
        try {
            return \FFI::cdef(self::cdef(), $path);
        } catch (\FFI\Exception $e) {
            if (str_contains($e->getMessage(), 'ffi.enable')) {
                throw new LibraryException(
                    'FFI is restricted by ffi.enable=' . $enable . ' (allowed only in the CLI and in preloaded code). '
                    . 'Under PHP-FPM or another server SAPI set ffi.enable=1 in php.ini, or preload the '
                    . 'erp/api-client sources with opcache.preload (see the package README, "PHP-FPM").',
                    $e,
                );
            }
            throw new LibraryException("Could not load the erp-api-client library {$path}: {$e->getMessage()}", $e);
        }
    }

    /**
     * JSON text for the library. Empty PHP arrays stay `[]`; use {@see object()} where an
     * object is required.
     */
    public static function encode(mixed $value): string
    {
        return json_encode($value, self::JSON_OUT);
    }

    /**
     * A request body as a JSON object (`[]` becomes `{}`).
     *
     * @param array<mixed>|object|null $data
     */
    public static function object(array|object|null $data): array|object|null
    {
        return $data === [] ? new \stdClass() : $data;
    }

    /**
     * Takes ownership of a string the library returned and decodes its envelope.
     *
     * @return mixed the `ok` value
     * @throws ErpException the `error` value, as the matching exception class
     */
    public function unwrap(?\FFI\CData $ptr): mixed
    {
        if ($ptr === null) {
            throw new ErpException('the erp-api-client library returned no result (out of memory?)');
        }
        try {
            $text = \FFI::string($ptr);
        } finally {
            $this->ffi->erp_string_free($ptr);
        }
        try {
            $r = json_decode($text, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException $e) {
            // A response body goes into the envelope as received (the library checks that it
            // is one JSON value, not every detail PHP insists on, e.g. unpaired surrogates).
            throw new ErpException(
                'response body is not JSON: ' . $e->getMessage(),
                'decode_error',
                'DECODE_ERROR',
                null,
                null,
                null,
                $e,
            );
        }
        if (array_key_exists('ok', $r)) {
            return $r['ok'];
        }
        throw ErpException::fromError($r['error']);
    }

    /**
     * Creates a handle with a constructor that takes a trailing `char **err_out`.
     *
     * @param string $fn   the constructor, e.g. `erp_client_new`
     * @param string $free its destructor, e.g. `erp_client_free`
     * @param mixed  ...$args the arguments before `err_out`
     */
    public function handle(string $fn, string $free, mixed ...$args): Handle
    {
        $err = $this->ffi->new('char*');
        $ptr = $this->ffi->{$fn}(...[...$args, \FFI::addr($err)]);
        if ($ptr === null) {
            $this->unwrap($err); // always throws
        }
        return new Handle($this->ffi, $ptr, $free);
    }

    /**
     * Runs a client operation.
     *
     * @param array<string, mixed> $request `{"op": ..., ...}`
     */
    public function call(Handle $client, array $request): mixed
    {
        return $this->unwrap($this->ffi->erp_client_call($client->ptr, self::encode($request)));
    }

    /**
     * Runs an operation that needs no client (spec tables, test hooks).
     *
     * @param array<string, mixed> $request
     */
    public function callStatic(array $request): mixed
    {
        return $this->unwrap($this->ffi->erp_call(self::encode($request)));
    }
}
