<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Client;
use Erp\ApiClient\Exception;
use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Tests\Support\SandboxTestCase;

/** Each exception class from a real response, and the core's retries via the test controls. */
final class ErrorsTest extends SandboxTestCase
{
    private string $key;
    private Client $client;

    protected function setUp(): void
    {
        $this->key = self::newKey();
        $this->client = self::client($this->key);
    }

    /** @param array<string, mixed> $fault */
    private function fault(array $fault, ?string $key = null): void
    {
        $r = self::sandbox()->control('POST', '/_test/faults', $fault, $key ?? $this->key);
        $this->assertArrayHasKey('fault', $r);
    }

    /** @return list<array<string, mixed>> */
    private function requestLog(): array
    {
        return self::sandbox()->control('GET', '/_test/requests', null, $this->key)['data'];
    }

    private function catch(callable $f): ErpException
    {
        try {
            $f();
        } catch (ErpException $e) {
            return $e;
        }
        $this->fail('no exception');
    }

    public function testBadRequest(): void
    {
        $e = $this->catch(fn () => $this->client->request('GET', '/companies', ['limit' => 'many']));
        $this->assertInstanceOf(Exception\BadRequestException::class, $e);
        $this->assertSame(400, $e->getStatus());
        $this->assertSame('BAD_REQUEST', $e->getErrorCode());
        $this->assertStringStartsWith('req_', (string) $e->getRequestId());
    }

    public function testUnauthorized(): void
    {
        $c = new Client(apiKey: 'sk_test_wrong_key_123', baseUrl: self::sandbox()->url);
        $e = $this->catch(fn () => $c->companies()->get());
        $this->assertInstanceOf(Exception\UnauthorizedException::class, $e);
        $this->assertSame(401, $e->getStatus());
        $this->assertStringNotContainsString('sk_test_wrong_key_123', $e->getMessage());
        $this->assertStringNotContainsString('sk_test_wrong_key_123', print_r($c, true));
    }

    public function testForbidden(): void
    {
        $c = self::client(self::newKey(['companies:read']));
        $this->assertCount(0, $c->companies()->get());
        $e = $this->catch(fn () => $c->companies()->create(['name' => 'Nope']));
        $this->assertInstanceOf(Exception\ForbiddenException::class, $e);
        $this->assertSame('FORBIDDEN', $e->getErrorCode());
    }

    public function testNotFound(): void
    {
        $e = $this->catch(fn () => $this->client->customers()->find('cus_nope'));
        $this->assertInstanceOf(Exception\NotFoundException::class, $e);
        $this->assertInstanceOf(Exception\ApiException::class, $e);
        $this->assertSame(404, $e->getStatus());
        $this->assertSame('not_found', $e->getKind());
    }

    public function testConflict(): void
    {
        $this->client->inventoryItems()->create(['sku' => 'DUP-1', 'name' => 'A']);
        $e = $this->catch(fn () => $this->client->inventoryItems()->create(['sku' => 'DUP-1', 'name' => 'B']));
        $this->assertInstanceOf(Exception\ConflictException::class, $e);
        $this->assertSame(409, $e->getStatus());
    }

    public function testValidationFailed(): void
    {
        $e = $this->catch(fn () => $this->client->companies()->create(['country' => 'germany']));
        $this->assertInstanceOf(Exception\ValidationFailedException::class, $e);
        $this->assertSame('VALIDATION_FAILED', $e->getErrorCode());
        $fields = array_column($e->getDetails()['fields'], 'field');
        $this->assertContains('name', $fields);
        $this->assertContains('country', $fields);
    }

    public function testIdempotencyKeyReuse(): void
    {
        $this->client->companies()->idempotencyKey('k-1')->create(['name' => 'One']);
        $e = $this->catch(fn () => $this->client->companies()->idempotencyKey('k-1')->create(['name' => 'Two']));
        $this->assertInstanceOf(Exception\ValidationFailedException::class, $e);
        $this->assertSame('IDEMPOTENCY_KEY_REUSED', $e->getErrorCode());
    }

    public function testRateLimitedAfterRetries(): void
    {
        $this->fault(['count' => 2, 'status' => 429, 'retry_after' => 7]);
        $e = $this->catch(fn () => $this->client->companies()->maxRetries(0)->get());
        $this->assertInstanceOf(Exception\RateLimitedException::class, $e);
        $this->assertSame(7, $e->getRetryAfter());
        $this->assertSame(429, $e->getStatus());
        self::sandbox()->control('DELETE', '/_test/faults', null, $this->key);
    }

    public function testServerError(): void
    {
        $this->fault(['count' => 1, 'status' => 503]);
        $e = $this->catch(fn () => $this->client->companies()->maxRetries(0)->get());
        $this->assertInstanceOf(Exception\ServerException::class, $e);
        $this->assertSame('UNAVAILABLE', $e->getErrorCode());
        $this->assertSame(['injected' => true], $e->getDetails());
    }

    public function testConnectionError(): void
    {
        $this->fault(['count' => 1, 'drop_connection' => true]);
        $e = $this->catch(fn () => $this->client->companies()->maxRetries(0)->get());
        $this->assertInstanceOf(Exception\ConnectionException::class, $e);
        $this->assertNull($e->getStatus());

        $port = \Erp\ApiClient\Tests\Support\Receiver::freePort();
        $c = new Client(apiKey: 'k', baseUrl: "http://127.0.0.1:{$port}", maxRetries: 0);
        $this->assertInstanceOf(Exception\ConnectionException::class, $this->catch(fn () => $c->companies()->get()));
    }

    public function testTimeout(): void
    {
        $this->fault(['count' => 1, 'delay_ms' => 1500, 'status' => 503]);
        $e = $this->catch(fn () => $this->client->companies()->maxRetries(0)->timeout(0.3)->get());
        $this->assertInstanceOf(Exception\TimeoutException::class, $e);
        $this->assertSame('TIMEOUT', $e->getErrorCode());
        self::sandbox()->control('DELETE', '/_test/faults', null, $this->key);
    }

    public function testRetriesRecoverWithTheSameIdempotencyKey(): void
    {
        $this->fault(['count' => 2, 'status' => 503, 'retry_after' => 0]);
        $c = $this->client->companies()->create(['name' => 'Survivor']);
        $this->assertSame('Survivor', $c['name']);
        $posts = array_values(array_filter($this->requestLog(), static fn ($r) => $r['method'] === 'POST'));
        $this->assertCount(3, $posts);
        $this->assertSame([503, 503], array_slice(array_column($posts, 'status'), 0, 2));
        $keys = array_unique(array_column($posts, 'idempotency_key'));
        $this->assertCount(1, $keys, 'every attempt carries the same generated key');
        $this->assertNotEmpty($keys[0]);
        $this->assertCount(1, $this->client->companies()->get());
    }

    public function testRetriesAfterADroppedConnectionAndA429(): void
    {
        $this->fault(['count' => 1, 'drop_connection' => true]);
        $this->fault(['count' => 1, 'status' => 429, 'retry_after' => 0]);
        $page = $this->client->companies()->get();
        $this->assertCount(0, $page);
        $this->assertCount(3, $this->requestLog());
    }

    public function testNoRetryForOtherClientErrors(): void
    {
        $this->fault(['count' => 3, 'status' => 404]);
        $this->catch(fn () => $this->client->companies()->get());
        $this->assertCount(1, $this->requestLog());
        self::sandbox()->control('DELETE', '/_test/faults', null, $this->key);
    }

    public function testRetriesGiveUpAfterMaxRetries(): void
    {
        $c = self::client($this->key, maxRetries: 1);
        $this->fault(['count' => 5, 'status' => 500, 'retry_after' => 0]);
        $e = $this->catch(fn () => $c->companies()->get());
        $this->assertInstanceOf(Exception\ServerException::class, $e);
        $this->assertCount(2, $this->requestLog());
        self::sandbox()->control('DELETE', '/_test/faults', null, $this->key);
    }

    public function testClientSideErrorsAreTheBaseClass(): void
    {
        $e = $this->catch(fn () => new Client(apiKey: 'k'));
        $this->assertSame(ErpException::class, get_class($e));
        $this->assertSame('invalid_config', $e->getKind());
        $e = $this->catch(fn () => $this->client->companies()->limit(500)->get());
        $this->assertSame('invalid_request', $e->getKind());
        $e = $this->catch(fn () => $this->client->resource('planets')->get());
        $this->assertSame('invalid_request', $e->getKind());
        $e = $this->catch(fn () => new \Erp\ApiClient\Webhook([]));
        $this->assertInstanceOf(Exception\WebhookVerificationException::class, $e);
        $this->assertSame('invalid_secret', $e->getReason());
    }
}
