<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Client;
use Erp\ApiClient\Exception\NotFoundException;
use Erp\ApiClient\Page;
use Erp\ApiClient\Tests\Support\SandboxTestCase;

/** Every resource operation against the sandbox. */
final class ResourcesTest extends SandboxTestCase
{
    private Client $client;

    protected function setUp(): void
    {
        $this->client = self::client();
    }

    public function testCompanyLifecycle(): void
    {
        $c = $this->client->companies()->create(['name' => 'Acme', 'country' => 'DE', 'status' => 'active']);
        $this->assertStringStartsWith('cmp_', $c['id']);
        $this->assertSame('Acme', $c['name']);

        $found = $this->client->companies()->find($c['id']);
        $this->assertSame($c['id'], $found['id']);

        $u = $this->client->companies()->update($c['id'], ['status' => 'inactive']);
        $this->assertSame('inactive', $u['status']);
        $this->assertSame('Acme', $u['name']);

        $d = $this->client->companies()->delete($c['id']);
        $this->assertTrue($d['deleted']);
        $this->expectException(NotFoundException::class);
        $this->client->companies()->find($c['id']);
    }

    public function testListFilterSortAndPages(): void
    {
        foreach (['A', 'B', 'C', 'D', 'E'] as $i => $n) {
            $this->client->companies()->create(['name' => "Co {$n}", 'status' => $i % 2 ? 'inactive' : 'active']);
        }
        $page = $this->client->companies()->filter(['status' => 'active'])->sort('name')->paginate(2)->get();
        $this->assertInstanceOf(Page::class, $page);
        $this->assertSame(['Co A', 'Co C'], array_column($page->data, 'name'));
        $this->assertTrue($page->hasMore());
        $this->assertCount(2, $page);

        $next = $this->client->companies()->filter(['status' => 'active'])->sort('name')->paginate(2)->cursor($page->nextCursor)->get();
        $this->assertSame(['Co E'], array_column($next->data, 'name'));
        $this->assertFalse($next->hasMore());

        $desc = $this->client->companies()->sort('-name')->limit(1)->get();
        $this->assertSame('Co E', $desc->data[0]['name']);

        // all(): every record of every page (2 per page: 3 pages), in order.
        $names = [];
        foreach ($this->client->companies()->sort('name')->paginate(2)->all() as $c) {
            $names[] = $c['name'];
        }
        $this->assertSame(['Co A', 'Co B', 'Co C', 'Co D', 'Co E'], $names);
        $pages = iterator_to_array($this->client->companies()->sort('name')->paginate(2)->pages(), false);
        $this->assertCount(3, $pages);
        $this->assertCount(3, iterator_to_array($this->client->companies()->filter('status', 'active')->paginate(1), false));

        // A base query is reusable: builder calls return new queries.
        $base = $this->client->companies();
        $base->filter(['status' => 'inactive']);
        $this->assertCount(5, $base->get());
    }

    public function testEveryResource(): void
    {
        $cmp = $this->client->companies()->create(['name' => 'Parent']);
        $cus = $this->client->customers()->create(['name' => 'Cust', 'company_id' => $cmp['id'], 'customer_account' => 'CUST-001']);
        $this->assertStringStartsWith('cus_', $cus['id']);
        $ven = $this->client->vendors()->create(['name' => 'Vend', 'payment_terms_days' => 30]);
        $this->assertStringStartsWith('ven_', $ven['id']);
        $itm = $this->client->inventoryItems()->create(['sku' => 'SKU-1', 'name' => 'Bolt', 'quantity' => 10, 'unit_price' => 1.5]);
        $this->assertStringStartsWith('itm_', $itm['id']);
        $so = $this->client->salesOrders()->create(['customer_id' => $cus['id'], 'amount' => 250, 'currency' => 'EUR']);
        $this->assertStringStartsWith('so_', $so['id']);

        $this->assertSame('Bolt', $this->client->resource('inventory_items')->find($itm['id'])['name']);
        $this->assertSame($so['id'], $this->client->resource('sales-orders')->find($so['id'])['id']);
        $this->assertCount(1, $this->client->customers()->filter(['customer_account' => 'CUST-001'])->get());
        $this->assertCount(1, $this->client->vendors()->get());
        $this->assertSame(11, $this->client->inventoryItems()->update($itm['id'], ['quantity' => 11])['quantity']);
        $this->assertSame('confirmed', $this->client->salesOrders()->update($so['id'], ['status' => 'confirmed'])['status']);
        $this->assertTrue($this->client->vendors()->delete($ven['id'])['deleted']);
    }

    public function testIdempotentCreateIsReplayed(): void
    {
        $q = $this->client->companies()->idempotencyKey('create-acme-1');
        $a = $q->create(['name' => 'Once']);
        $b = $q->create(['name' => 'Once']);
        $this->assertSame($a['id'], $b['id']);
        $this->assertCount(1, $this->client->companies()->get());
    }

    public function testGenericRequestAndEventTypes(): void
    {
        $this->client->companies()->create(['name' => 'Raw']);
        $r = $this->client->request('GET', '/companies', ['limit' => 1]);
        $this->assertCount(1, $r['data']);
        $types = $this->client->eventTypes();
        $this->assertContains('company.created', array_map(
            static fn ($t) => is_array($t) ? ($t['type'] ?? $t['name'] ?? '') : $t,
            $types['data'] ?? $types,
        ));
    }

    public function testPerRequestOptions(): void
    {
        $c = $this->client->companies()->timeout(5.0)->maxRetries(1)->header('X-Trace', 't1')
            ->withOptions(['suppressWebhooks' => '*'])->create(['name' => 'Opt']);
        $this->assertSame('Opt', $c['name']);
    }
}
