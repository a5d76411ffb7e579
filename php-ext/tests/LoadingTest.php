<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Exception\LibraryException;
use Erp\ApiClient\Internal\Native;
use Erp\ApiClient\Tests\Support\Receiver;
use PHPUnit\Framework\TestCase;

/** Finding and loading the native library, and the messages when that is impossible. */
final class LoadingTest extends TestCase
{
    private const PROBE = __DIR__ . '/Support/load-probe.php';

    /**
     * @param list<string>          $phpArgs
     * @param array<string, string> $env
     */
    private static function probe(array $phpArgs, array $env = []): string
    {
        $p = proc_open(
            array_merge([PHP_BINARY], $phpArgs, [self::PROBE]),
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
            null,
            $env + getenv(),
        );
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        proc_close($p);
        return (string) $out;
    }

    public function testLoadsFromTheBundledDirectory(): void
    {
        $this->assertSame("ok\n", self::probe([], ['ERP_API_CLIENT_LIB' => '']));
        $this->assertMatchesRegularExpression('#/lib/[a-z]+-[a-z0-9_]+/liberp_api_client_ffi\.(so|dylib)$#', Native::libraryPath());
    }

    public function testMissingLibrary(): void
    {
        $out = self::probe([], ['ERP_API_CLIENT_LIB' => '/nonexistent/liberp_api_client_ffi.so']);
        $this->assertStringContainsString(LibraryException::class, $out);
        $this->assertStringContainsString('not found at /nonexistent/liberp_api_client_ffi.so (from ERP_API_CLIENT_LIB)', $out);
        $this->assertStringContainsString('Point ERP_API_CLIENT_LIB at a built', $out);
    }

    public function testMissingBundledLibrary(): void
    {
        // A copy of the package without its lib/ directory.
        $dir = sys_get_temp_dir() . '/erp-php-nolib-' . bin2hex(random_bytes(4));
        mkdir($dir);
        $src = dirname(__DIR__);
        exec('cp -r ' . escapeshellarg("{$src}/src-php") . ' ' . escapeshellarg("{$src}/include") . ' ' . escapeshellarg($dir));
        $probe = "{$dir}/probe.php";
        file_put_contents($probe, '<?php spl_autoload_register(function ($c) { require __DIR__ . "/src-php/" . str_replace("\\\\", "/", substr($c, 14)) . ".php"; });'
            . ' try { new Erp\\ApiClient\\Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); echo "ok"; } catch (Throwable $e) { echo get_class($e), "\\n", $e->getMessage(); }');
        $p = proc_open([PHP_BINARY, $probe], [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, ['ERP_API_CLIENT_LIB' => ''] + getenv());
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        proc_close($p);
        exec('rm -rf ' . escapeshellarg($dir));
        $this->assertStringContainsString(LibraryException::class, $out);
        $this->assertStringContainsString("not found at {$dir}/lib/", $out);
        $this->assertStringContainsString('cargo build --release -p erp-api-client-ffi', $out);
    }

    public function testFfiDisabledByIni(): void
    {
        $out = self::probe(['-d', 'ffi.enable=0']);
        $this->assertStringContainsString(LibraryException::class, $out);
        $this->assertStringContainsString('ffi.enable=1', $out);
    }

    public function testMissingFfiExtension(): void
    {
        $out = self::probe(['-n']); // no php.ini: Debian's shared ffi extension is not loaded
        $this->assertStringContainsString(LibraryException::class, $out);
        $this->assertStringContainsString('ext-ffi', $out);
        $this->assertStringContainsString('extension=ffi', $out);
    }

    public function testFfiRestrictedToPreloadUnderAServerSapi(): void
    {
        // The built-in web server is not the CLI: ffi.enable=preload (the default) forbids FFI there,
        // exactly as under PHP-FPM.
        $port = Receiver::freePort();
        $p = proc_open(
            [PHP_BINARY, '-d', 'ffi.enable=preload', '-S', "127.0.0.1:{$port}", self::PROBE],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']],
            $pipes,
        );
        try {
            $out = false;
            for ($i = 0; $i < 100 && $out === false; $i++) {
                usleep(50_000);
                $out = @file_get_contents("http://127.0.0.1:{$port}/");
            }
            $this->assertIsString($out);
            $this->assertStringContainsString(LibraryException::class, $out);
            $this->assertStringContainsString('ffi.enable=1', $out);
            $this->assertStringContainsString('FFI is restricted by ffi.enable=preload', $out);
            $this->assertStringContainsString('opcache.preload', $out);
        } finally {
            proc_terminate($p);
            proc_close($p);
        }
    }

    public function testPreloadedClassesMayUseFfiUnderAServerSapi(): void
    {
        // What the README recommends for PHP-FPM when ffi.enable stays "preload".
        $dir = sys_get_temp_dir() . '/erp-php-preload-' . bin2hex(random_bytes(4));
        mkdir($dir);
        $src = dirname(__DIR__) . '/src-php';
        file_put_contents("{$dir}/preload.php", "<?php foreach (glob('{$src}/{,*/}*.php', GLOB_BRACE) as \$f) { opcache_compile_file(\$f); }\n");
        file_put_contents("{$dir}/index.php", "<?php \$w = new Erp\\ApiClient\\Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'); echo 'signed ', count(\$w->sign('m', 1, '{}'));\n");
        $port = Receiver::freePort();
        $user = ['-d', 'opcache.preload_user=root']; // consulted only when running as root
        $p = proc_open(
            array_merge([PHP_BINARY, '-d', 'ffi.enable=preload', '-d', 'opcache.enable=1', '-d', 'opcache.enable_cli=1',
                '-d', "opcache.preload={$dir}/preload.php"], $user, ['-S', "127.0.0.1:{$port}", "{$dir}/index.php"]),
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']],
            $pipes,
        );
        try {
            $out = false;
            for ($i = 0; $i < 100 && $out === false; $i++) {
                usleep(50_000);
                $out = @file_get_contents("http://127.0.0.1:{$port}/");
            }
            $this->assertSame('signed 4', $out);
        } finally {
            proc_terminate($p);
            proc_close($p);
            array_map('unlink', glob("{$dir}/*") ?: []);
            rmdir($dir);
        }
    }
}
