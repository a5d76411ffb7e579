<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Client;
use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Exception\NotFoundException;
use Erp\ApiClient\Tests\Support\Receiver;
use PHPUnit\Framework\TestCase;

/**
 * A record's body reaches PHP as the server sent it (json_decode is the only decoder), and a
 * body that is not JSON is an ErpException of kind `decode_error`, never a crash, a
 * JsonException or a wrong result.
 */
final class RawBodyTest extends TestCase
{
    /** @var resource|null */
    private static $proc = null;
    private static Client $client;

    public static function setUpBeforeClass(): void
    {
        $port = Receiver::freePort();
        self::$proc = proc_open(
            [PHP_BINARY, '-n', '-S', "127.0.0.1:{$port}", __DIR__ . '/Support/fixed-router.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']],
            $pipes,
        ) ?: null;
        $deadline = microtime(true) + 10;
        while (!($s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.2)) && microtime(true) < $deadline) {
            usleep(20_000);
        }
        if (!$s) {
            throw new \RuntimeException('the fixture server did not start');
        }
        fclose($s);
        self::$client = new Client(apiKey: 'sk_fixture', baseUrl: "http://127.0.0.1:{$port}", maxRetries: 0);
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$proc !== null) {
            proc_terminate(self::$proc);
            proc_close(self::$proc);
            self::$proc = null;
        }
    }

    private function decodeError(string $id): ErpException
    {
        try {
            self::$client->companies()->find($id);
        } catch (ErpException $e) {
            return $e;
        }
        $this->fail("no exception for {$id}");
    }

    public function testTheBodyIsDecodedAsSent(): void
    {
        $c = self::$client->companies()->find('cmp_ok');
        $this->assertSame(
            ['name' => 'Zeta é', 'id' => 'cmp_ok', 'big' => '123456789012345678901234', 'ratio' => 1.0, 'tags' => []],
            $c,
        );
        $this->assertSame($c, self::$client->request('GET', '/companies/cmp_ok'));
        $this->assertNull(self::$client->request('GET', '/companies/cmp_empty'));
    }

    public function testABodyThatIsNotJsonIsADecodeError(): void
    {
        foreach (['cmp_truncated', 'cmp_html', 'cmp_trailing', 'cmp_latin1'] as $id) {
            $e = $this->decodeError($id);
            $this->assertSame(ErpException::class, get_class($e), $id);
            $this->assertSame('decode_error', $e->getKind(), $id);
            $this->assertSame('DECODE_ERROR', $e->getErrorCode(), $id);
            $this->assertSame(200, $e->getStatus(), $id);
            $this->assertSame("req_fixed_{$id}", $e->getRequestId(), $id);
            $this->assertStringStartsWith('response body is not JSON', $e->getMessage(), $id);
        }
        try {
            self::$client->request('GET', '/companies/cmp_trailing');
            $this->fail('no exception');
        } catch (ErpException $e) {
            $this->assertSame('decode_error', $e->getKind());
        }
    }

    public function testWhatOnlyPhpRejectsIsADecodeErrorToo(): void
    {
        // An unpaired surrogate passes the library's check; json_decode refuses it.
        $e = $this->decodeError('cmp_surrogate');
        $this->assertSame(ErpException::class, get_class($e));
        $this->assertSame('decode_error', $e->getKind());
        $this->assertStringStartsWith('response body is not JSON', $e->getMessage());
        $this->assertInstanceOf(\JsonException::class, $e->getPrevious());
    }

    public function testFindChecksItsArgumentsOnEitherPath(): void
    {
        $plain = self::$client->companies();
        $withOptions = $plain->maxRetries(0);
        foreach ([$plain, $withOptions] as $q) {
            $this->assertSame('cmp_ok', $q->find('cmp_ok')['id']);
            foreach (["cmp_ok\0x", 'cmp ok', '', "caf\xe9"] as $bad) {
                try {
                    $q->find($bad);
                    $this->fail('no exception for ' . bin2hex($bad));
                } catch (ErpException $e) {
                    $this->assertSame('invalid_request', $e->getKind(), bin2hex($bad));
                } catch (\JsonException $e) {
                    // The request description cannot carry invalid UTF-8 (the generic path).
                    $this->assertSame("caf\xe9", $bad);
                    $this->assertSame($withOptions, $q);
                }
            }
        }
        try {
            $plain->limit(500)->find('cmp_ok');
            $this->fail('no exception');
        } catch (ErpException $e) {
            $this->assertSame('invalid_request', $e->getKind());
        }
    }

    public function testErrorsStillMapToTheirClasses(): void
    {
        $this->assertInstanceOf(NotFoundException::class, $this->decodeError('cmp_missing'));
        $this->assertSame('req_fixed_cmp_missing', $this->decodeError('cmp_missing')->getRequestId());
    }
}
