<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Tests\Support\SandboxTestCase;

/** A client used before pcntl_fork() keeps working in the parent and in the child. */
final class ForkTest extends SandboxTestCase
{
    public function testClientSurvivesFork(): void
    {
        if (!function_exists('pcntl_fork')) {
            $this->markTestSkipped('ext-pcntl is not loaded');
        }
        $client = self::client();
        $client->companies()->create(['name' => 'Before fork']);
        $pid = pcntl_fork();
        if ($pid === 0) {
            // Child: its own runtime and connection pool, rebuilt by the library.
            $ok = false;
            try {
                $c = $client->companies()->create(['name' => 'In child']);
                $ok = count($client->companies()->get()) === 2 && $c['name'] === 'In child';
            } catch (\Throwable $e) {
                fwrite(STDERR, (string) $e);
            }
            posix_kill(posix_getpid(), $ok ? SIGUSR1 : SIGUSR2); // report without running PHPUnit's shutdown
            exit($ok ? 0 : 1);
        }
        pcntl_waitpid($pid, $status);
        $this->assertTrue(pcntl_wifsignaled($status) || pcntl_wifexited($status));
        $this->assertSame(SIGUSR1, pcntl_wifsignaled($status) ? pcntl_wtermsig($status) : -1, 'the child failed');
        $this->assertCount(2, $client->companies()->get());
        $client->companies()->create(['name' => 'After fork']);
        $this->assertCount(3, $client->companies()->get());
    }
}
