<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests\Support;

/**
 * Runs the erp-sandbox binary (`$ERP_SANDBOX_BIN`, default `<repo>/target/debug/erp-sandbox`)
 * on a free port with a temporary database and the test controls, and always stops it.
 */
final class Sandbox
{
    /** @var resource|null */
    private $proc;
    private string $dir;
    public readonly string $url;
    public readonly string $apiKey;

    public static function binary(): string
    {
        $bin = getenv('ERP_SANDBOX_BIN');
        return is_string($bin) && $bin !== '' ? $bin : dirname(__DIR__, 3) . '/target/debug/erp-sandbox';
    }

    /** @param list<string> $args extra arguments */
    public function __construct(array $args = [])
    {
        $bin = self::binary();
        if (!is_executable($bin)) {
            throw new \RuntimeException("sandbox binary {$bin} not found: run `cargo build -p erp-sandbox` or set ERP_SANDBOX_BIN");
        }
        $this->dir = sys_get_temp_dir() . '/erp-php-sandbox-' . bin2hex(random_bytes(6));
        mkdir($this->dir, 0700);
        $out = $this->dir . '/stdout';
        $cmd = array_merge([$bin, '--listen', '127.0.0.1:0', '--db', $this->dir . '/s.db', '--test-controls'], $args);
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $out, 'w'], 2 => ['file', $this->dir . '/stderr', 'w']], $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException("could not start {$bin}");
        }
        $this->proc = $proc;
        register_shutdown_function([$this, 'stop']);
        $deadline = microtime(true) + 60;
        $key = null;
        $url = null;
        while (microtime(true) < $deadline) {
            $text = (string) @file_get_contents($out);
            if (preg_match('/api key: (\S+)/', $text, $m)) {
                $key = $m[1];
            }
            if (preg_match('#listening on (http://\S+)#', $text, $m)) {
                $url = $m[1];
                break;
            }
            if (!proc_get_status($proc)['running']) {
                break;
            }
            usleep(20_000);
        }
        if ($url === null || $key === null) {
            $err = (string) @file_get_contents($this->dir . '/stderr');
            $this->stop();
            throw new \RuntimeException("the sandbox did not start: {$err}");
        }
        $this->url = $url;
        $this->apiKey = $key;
    }

    public function stop(): void
    {
        if ($this->proc !== null) {
            proc_terminate($this->proc, 15);
            $deadline = microtime(true) + 5;
            while (proc_get_status($this->proc)['running'] && microtime(true) < $deadline) {
                usleep(10_000);
            }
            if (proc_get_status($this->proc)['running']) {
                proc_terminate($this->proc, 9);
            }
            proc_close($this->proc);
            $this->proc = null;
            foreach (glob($this->dir . '/*') ?: [] as $f) {
                @unlink($f);
            }
            @rmdir($this->dir);
        }
    }

    public function __destruct()
    {
        $this->stop();
    }

    /**
     * Calls a test control (`/_test/...`) as the given key.
     *
     * @param array<string, mixed>|null $body
     *
     * @return array<string, mixed>
     */
    public function control(string $method, string $path, ?array $body, string $apiKey): array
    {
        $ctx = stream_context_create(['http' => [
            'method' => $method,
            'header' => "X-API-Key: {$apiKey}\r\nContent-Type: application/json\r\n",
            'content' => $body === null ? '' : json_encode($body),
            'ignore_errors' => true,
            'timeout' => 10,
        ]]);
        $text = file_get_contents($this->url . $path, false, $ctx);
        return (array) json_decode((string) $text, true);
    }

    /**
     * A new API key of its own tenant (isolation between tests).
     *
     * @param list<string>|string $scopes
     */
    public function newKey(string $tenant, array|string $scopes = '*'): string
    {
        $r = $this->control('POST', '/_test/keys', ['tenant' => $tenant, 'scopes' => $scopes], $this->apiKey);
        return (string) $r['api_key'];
    }
}
