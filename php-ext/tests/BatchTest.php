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

    public function testCsvImportReportsRowsAndResumesFromACheckpoint(): void
    {
        $csv = "sku,name,quantity,unit_price\n";
        for ($i = 1; $i <= 25; $i++) {
            $csv .= match ($i) {
                7 => "SKU-7,Seven,lots,1\n",   // not a number: caught locally
                12 => "SKU-3,Dup,1,1\n",       // duplicate sku: 409 from the API
                default => "SKU-{$i},Item {$i},{$i},{$i}.5\n",
            };
        }

        $checked = $this->client->batch()->fromCsv('inventory-items', $csv, validateOnly: true);
        $this->assertSame([25, 0, 1, true], [$checked['rows_total'], $checked['imported'], $checked['failed'], $checked['validate_only']]);
        $this->assertSame(7, $checked['errors'][0]['row']);
        $this->assertSame('INVALID_VALUE', $checked['errors'][0]['error']['code']);
        $this->assertCount(0, $this->client->inventoryItems()->get(), 'validateOnly sends nothing');

        // The PHP face has no progress callback; the checkpoint is in the result.
        $first = $this->client->batch()->fromCsv('inventory-items', $csv, batchSize: 10, idempotencyKey: 'stock-import');
        $this->assertSame([23, 2, 25, false], [$first['imported'], $first['failed'], $first['checkpoint'], $first['validate_only']]);
        $errors = array_map(static fn (array $e) => [$e['row'], $e['error']['code']], $first['errors']);
        $this->assertSame([[7, 'INVALID_VALUE'], [12, 'CONFLICT']], $errors);

        // Resuming from row 10 re-sends rows 11..25 with the same chunk keys: replayed, not duplicated.
        $resumed = $this->client->batch()->fromCsv(
            'inventory-items', $csv, batchSize: 10, resumeFrom: 10, idempotencyKey: 'stock-import',
        );
        $this->assertSame(10, $resumed['rows_skipped']);
        $this->assertSame(14, $resumed['imported']);
        $all = iterator_to_array($this->client->inventoryItems()->paginate(100)->all(), false);
        $this->assertCount(23, $all);
        $item5 = array_values(array_filter($all, static fn (array $r) => $r['sku'] === 'SKU-5'))[0];
        $this->assertSame(5, $item5['quantity']);
        $this->assertSame(5.5, $item5['unit_price']);

        try {
            $this->client->batch()->fromCsv('inventory-items', $csv, batchSize: 0);
            $this->fail('no exception');
        } catch (ErpException $e) {
            $this->assertSame('invalid_request', $e->getKind());
        }
    }
}
