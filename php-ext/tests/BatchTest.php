<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\BatchResult;
use Erp\ApiClient\Client;
use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Tests\Support\SandboxTestCase;

final class BatchTest extends SandboxTestCase
{
    private Client $client;

    protected function setUp(): void
    {
        $this->client = self::client();
    }

    public function testStrictBatchCreatesAll(): void
    {
        $r = $this->client->batch()
            ->addOperation('POST', '/companies', ['name' => 'Acme', 'country' => 'DE'])
            ->addOperation('POST', '/companies', ['name' => 'Globex', 'country' => 'DE'])
            ->strict()
            ->idempotencyKey('import-1')
            ->execute();
        $this->assertInstanceOf(BatchResult::class, $r);
        $this->assertTrue($r->allSucceeded());
        $this->assertSame(2, $r->successful);
        $this->assertSame('strict', $r->mode);
        $this->assertSame(['Acme', 'Globex'], array_column($r->bodies(), 'name'));
        $this->assertStringStartsWith('bat_', $r->id);
        $this->assertSame(2, count($this->client->companies()->get()));

        // Same key, same batch: replayed, nothing created twice.
        $again = $this->client->batch()
            ->addOperation('POST', '/companies', ['name' => 'Acme', 'country' => 'DE'])
            ->addOperation('POST', '/companies', ['name' => 'Globex', 'country' => 'DE'])
            ->idempotencyKey('import-1')
            ->execute();
        $this->assertSame($r->id, $again->id);
        $this->assertSame(2, count($this->client->companies()->get()));
    }

    public function testStrictBatchRollsBack(): void
    {
        $r = $this->client->batch()
            ->addOperation('POST', '/companies', ['name' => 'Kept?'])
            ->addOperation('GET', '/companies/cmp_missing')
            ->addOperation('POST', '/companies', ['name' => 'Never'])
            ->execute();
        $this->assertSame('failed', $r->status);
        $this->assertFalse($r->allSucceeded());
        $codes = array_map(static fn (array $x) => $x['error']['code'] ?? 'OK', $r->results);
        $this->assertSame(['ROLLED_BACK', 'NOT_FOUND', 'SKIPPED'], $codes);
        $this->assertCount(3, $r->failures());
        $this->assertCount(0, $this->client->companies()->get());
    }

    public function testLenientBatchWithStopOnError(): void
    {
        $r = $this->client->batch()
            ->lenient()
            ->stopOnError()
            ->maxParallel(1)
            ->addOperation('POST', '/companies', ['name' => 'One'])
            ->addOperation('POST', '/companies', ['country' => 'DE'])
            ->addOperation('POST', '/companies', ['name' => 'Three'])
            ->execute();
        $this->assertSame(1, $r->successful);
        $this->assertSame(2, $r->failed);
        $this->assertSame('VALIDATION_FAILED', $r->results[1]['error']['code']);
        $this->assertSame('SKIPPED', $r->results[2]['error']['code']);
        $this->assertSame('lenient', $r->toArray()['mode']);
    }

    public function testLenientBatchIsChunkedByTheCore(): void
    {
        $b = $this->client->batch()->lenient()->chunkSize(2)->idempotencyKey('chunky');
        for ($i = 0; $i < 5; $i++) {
            $b->add('POST', '/companies', ['name' => "C{$i}"]);
        }
        $r = $b->execute();
        $this->assertSame(5, $r->total);
        $this->assertSame(5, $r->successful);
        $this->assertCount(3, $r->batchIds);
        $this->assertSame(range(0, 4), array_column($r->results, 'index'));
    }

    public function testSubmitAndWait(): void
    {
        $h = $this->client->batch()
            ->addOperation('POST', '/companies', ['name' => 'Async 1'])
            ->addOperation('POST', '/companies', ['name' => 'Async 2'])
            ->submit();
        $this->assertStringStartsWith('bat_', $h->id());
        $this->assertContains($h->status()->status, ['pending', 'processing', 'completed']);
        $r = $h->wait();
        $this->assertSame('completed', $r->status);
        $this->assertSame(2, $r->successful);
    }

    public function testInvalidBatchFailsBeforeSending(): void
    {
        try {
            $this->client->batch()->execute();
            $this->fail('no exception');
        } catch (ErpException $e) {
            $this->assertSame('invalid_request', $e->getKind());
            $this->assertSame('INVALID_REQUEST', $e->getErrorCode());
        }
    }
}
