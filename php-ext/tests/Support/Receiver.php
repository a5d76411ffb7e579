<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests\Support;

/** A webhook receiver: `php -S 127.0.0.1:<free port>` with a router that records requests. */
final class Receiver
{
    /** @var resource|null */
    private $proc;
    private string $dir;
    public readonly string $url;

    public function __construct()
    {
        $this->dir = sys_get_temp_dir() . '/erp-php-receiver-' . bin2hex(random_bytes(6));
        mkdir($this->dir, 0700);
        touch($this->dir . '/log');
        $port = self::freePort();
        $env = getenv() + ['RECEIVER_LOG' => $this->dir . '/log'];
        $env['RECEIVER_LOG'] = $this->dir . '/log';
        $this->proc = proc_open(
            [PHP_BINARY, '-n', '-S', "127.0.0.1:{$port}", __DIR__ . '/receiver-router.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $this->dir . '/out', 'w'], 2 => ['file', $this->dir . '/out', 'w']],
            $pipes,
            null,
            $env,
        ) ?: null;
        register_shutdown_function([$this, 'stop']);
        $this->url = "http://127.0.0.1:{$port}/hook";
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            $s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.2);
            if ($s) {
                fclose($s);
                return;
            }
            usleep(20_000);
        }
        throw new \RuntimeException('the webhook receiver did not start');
    }

    public static function freePort(): int
    {
        $s = stream_socket_server('tcp://127.0.0.1:0');
        if ($s === false) {
            throw new \RuntimeException('no free port');
        }
        $name = (string) stream_socket_get_name($s, false);
        fclose($s);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    /** Answer deliveries with this status from now on. */
    public function respondWith(int $status): void
    {
        file_put_contents($this->dir . '/status', (string) $status);
    }

    /** @return list<array<string, mixed>> */
    public function requests(): array
    {
        $out = [];
        foreach (file($this->dir . '/log', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
            $out[] = json_decode($line, true);
        }
        return $out;
    }

    /**
     * Waits until a recorded request matches.
     *
     * @param callable(array<string, mixed>): bool $match
     *
     * @return array<string, mixed>
     */
    public function waitFor(callable $match, float $timeout = 15.0): array
    {
        $deadline = microtime(true) + $timeout;
        do {
            foreach ($this->requests() as $r) {
                if ($match($r)) {
                    return $r;
                }
            }
            usleep(50_000);
        } while (microtime(true) < $deadline);
        throw new \RuntimeException('no matching delivery within ' . $timeout . ' s; got ' . count($this->requests()));
    }

    public function stop(): void
    {
        if ($this->proc !== null) {
            proc_terminate($this->proc);
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
}
