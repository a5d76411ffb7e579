<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Client;
use Erp\ApiClient\Exception\ValidationFailedException;
use Erp\ApiClient\Exception\WebhookVerificationException;
use Erp\ApiClient\Tests\Support\Receiver;
use Erp\ApiClient\Tests\Support\SandboxTestCase;
use Erp\ApiClient\Webhook;

/** Webhook management, real signed deliveries to a local receiver, and their verification. */
final class WebhooksTest extends SandboxTestCase
{
    private Client $client;
    private Receiver $receiver;

    protected function setUp(): void
    {
        $this->client = self::client();
        $this->receiver = new Receiver();
    }

    protected function tearDown(): void
    {
        $this->receiver->stop();
    }

    /** @param array<string, mixed> $r */
    private static function header(array $r, string $name): ?string
    {
        foreach ($r['headers'] as $k => $v) {
            if (strcasecmp((string) $k, $name) === 0) {
                return $v;
            }
        }
        return null;
    }

    public function testRegisterDeliverVerifyAndManage(): void
    {
        $hooks = $this->client->webhooks();
        $hook = $hooks->register($this->receiver->url, ['company.created'], [
            'retryPolicy' => ['max_retries' => 2, 'backoff_ms' => 100],
            'description' => 'php test',
        ]);
        $this->assertStringStartsWith('whk_', $hook['id']);
        $this->assertStringStartsWith('whsec_', $hook['secret']);
        $this->assertSame(['company.created'], $hook['events']);

        $company = $this->client->companies()->create(['name' => 'Hooked']);
        $delivery = $this->receiver->waitFor(static fn ($r) => str_contains($r['body'], $company['id']));
        $event = (new Webhook($hook['secret']))->verify($delivery['body'], $delivery['headers']);
        $this->assertSame('company.created', $event['type']);
        $this->assertSame($company['id'], $event['data']['id']);
        $this->assertNotNull(self::header($delivery, 'webhook-signature'));
        $this->assertStringStartsWith('sha256=', (string) self::header($delivery, 'x-webhook-signature'));

        // A tampered body does not verify.
        try {
            (new Webhook($hook['secret']))->verify($delivery['body'] . ' ', $delivery['headers']);
            $this->fail('tampered body verified');
        } catch (WebhookVerificationException $e) {
            $this->assertSame('no_matching_signature', $e->getReason());
            $this->assertStringNotContainsString($hook['secret'], $e->getMessage());
        }

        $this->assertSame($hook['id'], $hooks->get($hook['id'])['id']);
        $this->assertArrayNotHasKey('secret', $hooks->get($hook['id']));
        $this->assertContains($hook['id'], array_column($hooks->list()->data, 'id'));

        $upd = $hooks->update($hook['id'], ['events' => ['company.created', 'company.updated'], 'filters' => ['country' => 'DE']]);
        $this->assertSame(['company.created', 'company.updated'], $upd['events']);
        $this->assertSame(['country' => 'DE'], $upd['filters']);

        // test delivery, deliveries, one delivery with attempts
        $t = $hooks->test($hook['id']);
        $this->assertSame('webhook.test', $t['event_type']);
        $this->receiver->waitFor(static fn ($r) => str_contains($r['body'], 'webhook.test'));
        $deadline = microtime(true) + 10;
        do {
            $list = $hooks->deliveries($hook['id'], status: 'succeeded');
            usleep(50_000);
        } while (count($list) < 2 && microtime(true) < $deadline);
        $this->assertGreaterThanOrEqual(2, count($list));
        $one = $hooks->delivery($hook['id'], $list->data[0]['id']);
        $this->assertNotEmpty($one['attempts']);
        $this->assertSame(200, $one['attempts'][0]['status_code']);
        $this->assertCount(1, $hooks->deliveries($hook['id'], limit: 1));

        $retried = $hooks->retryDelivery($hook['id'], $list->data[0]['id']);
        $this->assertSame($list->data[0]['id'], $retried['id']);

        $stats = $hooks->stats($hook['id']);
        $this->assertIsArray($stats);
        $this->assertNotEmpty($stats);

        // rotation: the new secret verifies new deliveries; both secrets during the overlap.
        $rot = $hooks->rotateSecret($hook['id']);
        $this->assertNotSame($hook['secret'], $rot['secret']);
        $c2 = $this->client->companies()->create(['name' => 'After rotation', 'country' => 'DE']);
        $d2 = $this->receiver->waitFor(static fn ($r) => str_contains($r['body'], $c2['id']));
        $ev = (new Webhook([$hook['secret'], $rot['secret']]))->verify($d2['body'], $d2['headers']);
        $this->assertSame($c2['id'], $ev['data']['id']);

        $this->assertTrue((bool) ($hooks->delete($hook['id'])['deleted'] ?? true));
        $this->assertNotContains($hook['id'], array_column($hooks->list()->data, 'id'));
    }

    public function testSuppressWebhooksBreaksLoops(): void
    {
        $hook = $this->client->webhooks()->register($this->receiver->url, ['company.created']);
        $quiet = $this->client->companies()->suppressWebhooks($hook['id'])->create(['name' => 'Quiet']);
        $loud = $this->client->companies()->create(['name' => 'Loud']);
        $this->receiver->waitFor(static fn ($r) => str_contains($r['body'], $loud['id']));
        foreach ($this->receiver->requests() as $r) {
            $this->assertStringNotContainsString($quiet['id'], $r['body']);
        }
    }

    public function testFailedDeliveryCanBeRetried(): void
    {
        $this->receiver->respondWith(500);
        $hook = $this->client->webhooks()->register($this->receiver->url, ['company.created'], [
            'retryPolicy' => ['max_retries' => 0, 'backoff_ms' => 10],
        ]);
        $this->client->companies()->create(['name' => 'Fails']);
        $deadline = microtime(true) + 15;
        do {
            $failed = $this->client->webhooks()->deliveries($hook['id'], 'failed');
            usleep(100_000);
        } while (count($failed) === 0 && microtime(true) < $deadline);
        $this->assertCount(1, $failed);
        $this->receiver->respondWith(200);
        $this->client->webhooks()->retryDelivery($hook['id'], $failed->data[0]['id']);
        $deadline = microtime(true) + 15;
        do {
            $d = $this->client->webhooks()->delivery($hook['id'], $failed->data[0]['id']);
            usleep(100_000);
        } while ($d['status'] !== 'succeeded' && microtime(true) < $deadline);
        $this->assertSame('succeeded', $d['status']);
        $this->assertGreaterThanOrEqual(2, count($d['attempts']));
    }

    public function testUnknownEventTypeIsRejected(): void
    {
        try {
            $this->client->webhooks()->register($this->receiver->url, ['company.exploded']);
            $this->fail('no exception');
        } catch (\Erp\ApiClient\Exception\ErpException $e) {
            $this->assertSame('invalid_request', $e->getKind());
        }
        // The server's own 422 for a malformed secret.
        $this->expectException(ValidationFailedException::class);
        $this->client->webhooks()->register($this->receiver->url, ['company.created'], ['secret' => 'not-a-secret']);
    }
}
