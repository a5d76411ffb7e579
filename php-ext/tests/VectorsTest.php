<?php

declare(strict_types=1);

namespace Erp\ApiClient\Tests;

use Erp\ApiClient\Client;
use Erp\ApiClient\Exception;
use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Exception\WebhookVerificationException;
use Erp\ApiClient\Internal\Testing;
use Erp\ApiClient\Webhook;
use PHPUnit\Framework\TestCase;

/**
 * Every case of every file in spec/vectors/, through the public API (and, for retry and
 * error mapping, the internal hooks onto the core's own functions).
 *
 * @group core
 */
final class VectorsTest extends TestCase
{
    /** @return array<string, mixed> */
    private static function load(string $name): array
    {
        $dir = getenv('ERP_VECTORS_DIR') ?: dirname(__DIR__, 2) . '/spec/vectors';
        return json_decode((string) file_get_contents("{$dir}/{$name}"), true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /** @return iterable<string, array{0: array<string, mixed>}> */
    private static function cases(string $file, string $key): iterable
    {
        $seen = [];
        foreach (self::load($file)[$key] as $c) {
            $name = $c['name'];
            $seen[$name] = ($seen[$name] ?? 0) + 1;
            yield $name . ($seen[$name] > 1 ? " #{$seen[$name]}" : '') => [$c];
        }
    }

    // ------------------------------------------------------------- signatures

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function verifyCases(): iterable
    {
        return self::cases('signatures.json', 'verify');
    }

    /**
     * @dataProvider verifyCases
     *
     * @param array<string, mixed> $c
     */
    public function testVerify(array $c): void
    {
        try {
            $event = (new Webhook($c['secrets'], (int) $c['tolerance_sec']))
                ->verify($c['body'], (array) $c['headers'], (int) $c['now']);
            $this->assertTrue($c['expected']['valid'], 'verified, but expected ' . ($c['expected']['reason'] ?? ''));
            $this->assertEquals($c['expected']['event'], $event);
        } catch (WebhookVerificationException $e) {
            $this->assertFalse($c['expected']['valid'], "expected valid, got {$e->getReason()}: {$e->getMessage()}");
            $this->assertSame($c['expected']['reason'], $e->getReason(), $e->getMessage());
            $this->assertSame('webhook_verification', $e->getKind());
            foreach ($c['secrets'] as $s) {
                if (strlen($s) > 8) {
                    $this->assertStringNotContainsString($s, $e->getMessage());
                    $this->assertStringNotContainsString($s, (string) $e);
                }
            }
        }
    }

    /**
     * Signature only: the same outcome as verify(), except that a body that is not JSON passes.
     *
     * @dataProvider verifyCases
     *
     * @param array<string, mixed> $c
     */
    public function testVerifySignature(array $c): void
    {
        $reason = $c['expected']['valid'] ? null : $c['expected']['reason'];
        if ($reason === 'invalid_payload') {
            $reason = null;
        }
        $upper = [];
        foreach ((array) $c['headers'] as $k => $v) {
            $upper[strtoupper((string) $k)] = [$v];
        }
        foreach ([(array) $c['headers'], $upper] as $headers) {
            try {
                (new Webhook($c['secrets'], (int) $c['tolerance_sec']))
                    ->verifySignature($c['body'], $headers, (int) $c['now']);
                $this->assertNull($reason, "verified, but expected {$reason}");
            } catch (WebhookVerificationException $e) {
                $this->assertSame($reason, $e->getReason(), $e->getMessage());
            }
        }
    }

    public function testVerifySignatureAgainstNow(): void
    {
        $secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
        $wh = new Webhook($secret);
        $body = '{"id":"evt_1","type":"company.created"}';
        $headers = $wh->sign('msg_1', time(), $body);
        $wh->verifySignature($body, $headers);
        $wh->verifySignature($body, ['Webhook-Id' => $headers['webhook-id'], 'X-Webhook-Signature' => $headers['x-webhook-signature']]);
        $cases = [
            'tampered body' => [$wh, $body . ' ', $headers],
            'wrong secret' => [new Webhook('whsec_' . base64_encode(str_repeat("\7", 32))), $body, $headers],
            'expired' => [$wh, $body, $wh->sign('msg_1', time() - 3600, $body)],
            'no signature header' => [$wh, $body, ['webhook-id' => 'msg_1']],
        ];
        foreach ($cases as $name => [$w, $b, $h]) {
            $full = null;
            try {
                $w->verify($b, $h);
            } catch (WebhookVerificationException $e) {
                $full = $e;
            }
            $this->assertNotNull($full, $name);
            try {
                $w->verifySignature($b, $h);
                $this->fail("{$name}: verified");
            } catch (WebhookVerificationException $e) {
                $this->assertSame(get_class($full), get_class($e), $name);
                $this->assertSame($full->getReason(), $e->getReason(), $name);
            }
        }
        // A body that is not JSON: verify() refuses it, verifySignature() does not.
        $raw = "\x00\xffnot json";
        $rawHeaders = $wh->sign('msg_2', time(), $raw);
        try {
            $wh->verify($raw, $rawHeaders);
            $this->fail('verify accepted a body that is not JSON');
        } catch (WebhookVerificationException $e) {
            $this->assertSame('invalid_payload', $e->getReason());
        }
        $wh->verifySignature($raw, $rawHeaders);
        $this->addToAssertionCount(1);
    }

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function signCases(): iterable
    {
        return self::cases('signatures.json', 'sign');
    }

    /**
     * @dataProvider signCases
     *
     * @param array<string, mixed> $c
     */
    public function testSign(array $c): void
    {
        $headers = (new Webhook($c['secrets']))->sign($c['msg_id'], (int) $c['timestamp'], $c['body']);
        $this->assertEquals($c['expected_headers'], $headers);
    }

    // ------------------------------------------------------------- retry

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function retryCases(): iterable
    {
        $v = self::load('retry.json');
        foreach (self::cases('retry.json', 'cases') as $name => [$c]) {
            $c['_now'] = strtotime($v['now']);
            $c['_policy'] = ($c['policy'] ?? []) + $v['default_policy'];
            yield $name => [$c];
        }
    }

    /**
     * @dataProvider retryCases
     *
     * @param array<string, mixed> $c
     */
    public function testRetry(array $c): void
    {
        $o = $c['outcome'];
        if (isset($o['error'])) {
            $outcome = ['error' => $o['error']];
        } else {
            $outcome = ['status' => $o['status']];
            foreach ($o['headers'] ?? [] as $k => $v) {
                if (strtolower((string) $k) === 'retry-after') {
                    $outcome['retry_after'] = $v;
                }
            }
        }
        $d = Testing::retryDecide($c['_policy'], (int) $c['retries_done'], $outcome, $c['_now']);
        $e = $c['expected'];
        $this->assertSame($e['retry'], $d['retry']);
        if ($e['retry']) {
            $this->assertSame($e['min_delay_ms'], $d['min_delay_ms']);
            $this->assertSame($e['max_delay_ms'], $d['max_delay_ms']);
        }
    }

    // ------------------------------------------------------------- errors

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function errorCases(): iterable
    {
        $v = self::load('errors.json');
        foreach (self::cases('errors.json', 'cases') as $name => [$c]) {
            $c['_now'] = strtotime($v['now']);
            $c['_class'] = $v['kinds'][$c['expected']['kind']];
            yield $name => [$c];
        }
    }

    /**
     * @dataProvider errorCases
     *
     * @param array<string, mixed> $c
     */
    public function testErrorMapping(array $c): void
    {
        $body = isset($c['body_base64']) ? base64_decode($c['body_base64'], true) : $c['body'];
        $e = Testing::errorFromResponse((int) $c['status'], (array) ($c['headers'] ?? []), (string) $body, $c['_now']);
        $x = $c['expected'];
        $class = 'Erp\\ApiClient\\Exception\\' . match ($c['_class']) {
            'ServerError' => 'Server',
            default => $c['_class'],
        } . 'Exception';
        $this->assertInstanceOf($class, $e);
        $this->assertInstanceOf(Exception\ApiException::class, $e);
        $this->assertSame($x['kind'], $e->getKind());
        $this->assertSame($x['code'], $e->getErrorCode());
        $this->assertSame($x['message'], $e->getMessage());
        $this->assertSame($x['request_id'] ?? null, $e->getRequestId());
        $this->assertSame((int) $c['status'], $e->getStatus());
        $this->assertEquals(is_array($x['details'] ?? null) ? $x['details'] : null, $e->getDetails());
        if ($e instanceof Exception\RateLimitedException) {
            $this->assertSame($x['retry_after'] ?? null, $e->getRetryAfter());
        }
    }

    // ------------------------------------------------------------- requests

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function requestCases(): iterable
    {
        return self::cases('requests.json', 'cases');
    }

    /**
     * @dataProvider requestCases
     *
     * @param array<string, mixed> $c
     */
    public function testRequest(array $c): void
    {
        try {
            $r = $this->prepare($c);
        } catch (ErpException $e) {
            $this->assertArrayHasKey('expected_error', $c, "unexpected {$e->getKind()}: {$e->getMessage()}");
            $this->assertSame($c['expected_error']['kind'], $e->getKind(), $e->getMessage());
            return;
        }
        $this->assertArrayNotHasKey('expected_error', $c, 'expected an error, got ' . json_encode($r));
        $x = $c['expected'];
        $this->assertSame($x['method'], $r['method']);
        $this->assertSame($x['url'], $r['url']);
        $this->assertSame($x['path'], $r['path']);
        $this->assertSame($x['query'], $r['query']);
        foreach ($x['headers'] as $k => $v) {
            $this->assertSame($v, $r['headers'][strtolower($k)] ?? null, "header {$k}");
        }
        foreach ($x['absent_headers'] as $k) {
            $this->assertArrayNotHasKey(strtolower($k), $r['headers'], "header {$k} should be absent");
        }
        $this->assertStringStartsWith('erp-api-client/', $r['headers']['user-agent']);
        $this->assertStringEndsWith('php/' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION, $r['headers']['user-agent']);
        if ($x['idempotency_key'] === null) {
            $this->assertNull($r['idempotency_key']);
        } elseif ($x['idempotency_key'] === 'generated') {
            $this->assertMatchesRegularExpression('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', (string) $r['idempotency_key']);
        } else {
            $this->assertSame($x['idempotency_key'], $r['idempotency_key']);
        }
        if (isset($x['body_operations_count'])) {
            $this->assertCount($x['body_operations_count'], $r['body']['operations']);
        } else {
            $this->assertEquals($x['body'], $r['body']);
        }
    }

    /**
     * @param array<string, mixed> $c
     *
     * @return array<string, mixed>
     */
    private function prepare(array $c): array
    {
        $cl = $c['client'];
        $client = new Client(
            apiKey: $cl['api_key'] ?? null,
            baseUrl: $cl['base_url'] ?? null,
            bearerToken: $cl['bearer_token'] ?? null,
            defaultHeaders: $cl['default_headers'] ?? [],
        );
        if (isset($c['request'])) {
            $r = $c['request'];
            $q = $client->resource($r['resource']);
            foreach ($r['filters'] ?? [] as [$field, $value]) {
                $q = $q->filter($field, $value);
            }
            if (isset($r['sort'])) {
                $q = $q->sort($r['sort']);
            }
            if (isset($r['limit'])) {
                $q = $q->paginate($r['limit']);
            }
            if (isset($r['cursor'])) {
                $q = $q->cursor($r['cursor']);
            }
            $o = $r['options'] ?? [];
            if (isset($o['idempotency_key'])) {
                $q = $q->idempotencyKey($o['idempotency_key']);
            }
            foreach ($o['headers'] ?? [] as $k => $v) {
                $q = $q->header((string) $k, $v);
            }
            if (isset($o['suppress_webhooks'])) {
                $q = $q->suppressWebhooks($o['suppress_webhooks']);
            }
            return $q->prepare($r['op'], $r['id'] ?? null, $r['body'] ?? null);
        }
        $b = $c['batch'];
        $batch = $client->batch();
        $ops = isset($b['operations_repeat'])
            ? array_fill(0, $b['operations_repeat']['count'], $b['operations_repeat']['operation'])
            : $b['operations'];
        foreach ($ops as $op) {
            $batch->addOperation($op['method'], $op['path'], $op['body'] ?? null);
        }
        if (isset($b['mode'])) {
            $batch->mode($b['mode']);
        }
        if (isset($b['stop_on_error'])) {
            $batch->stopOnError($b['stop_on_error']);
        }
        if (isset($b['max_parallel'])) {
            $batch->maxParallel($b['max_parallel']);
        }
        if (isset($b['idempotency_key'])) {
            $batch->idempotencyKey($b['idempotency_key']);
        }
        return $batch->prepare();
    }

    public function testSpecTablesAreReachable(): void
    {
        $s = Testing::spec();
        $this->assertCount(5, $s['resources']);
        $this->assertContains('company.created', $s['event_types']);
    }
}
