<?php

/**
 * `make bench`, PHP side: the PHP face beside what PHP developers use instead.
 *
 * Run by bench/run.py against a sandbox (ERP_BASE_URL, ERP_API_KEY, the record BENCH_ID);
 * writes one JSON row per figure to BENCH_OUT:
 *
 * - sequential GETs of one record: $client->companies()->find() vs ext-curl with one reused
 *   handle (keep-alive) + json_decode, interleaved rounds; the same again against
 *   trivial-server.php (a fixed answer, so the client side dominates: workload seq_local);
 * - a strict batch of 1000 creates, end to end (p50, p95);
 * - a 10,000-row CSV import (fromCsv, default chunking);
 * - Webhook::verify() of the 1 KB delivery in BENCH_BODY_FILE vs hash_hmac + hash_equals doing
 *   the same checks (timestamp, signature, and json_decode for the decoded event).
 *
 * BENCH_SCALE (default 1) scales the call counts.
 */

declare(strict_types=1);

require __DIR__ . '/../../php-ext/tests/bootstrap.php';

use Erp\ApiClient\Client;
use Erp\ApiClient\Webhook;

$scale = (float) (getenv('BENCH_SCALE') ?: 1);
$nOf = static fn (int $n): int => max(10, (int) ($n * $scale));
$rows = [];
$row = static function (string $workload, string $client, string $metric, float $value, int $n) use (&$rows): void {
    fprintf(STDERR, "  php    %-10s %-26s %-12s %12.2f  (n=%d)\n", $workload, $client, $metric, $value, $n);
    $rows[] = ['face' => 'php', 'workload' => $workload, 'client' => $client, 'metric' => $metric, 'value' => $value, 'n' => $n];
};

/**
 * Microseconds per call of each function, in interleaved rounds so drift hits all alike.
 *
 * @param array<string, callable> $fns
 * @return array<string, float>
 */
function interleaved(array $fns, int $n, int $rounds = 5): array
{
    $per = max(1, intdiv($n, $rounds));
    $total = [];
    foreach ($fns as $k => $f) {
        for ($i = 0; $i < 50; $i++) {
            $f();
        }
        $total[$k] = 0;
    }
    for ($r = 0; $r < $rounds; $r++) {
        foreach ($fns as $k => $f) {
            $start = hrtime(true);
            for ($i = 0; $i < $per; $i++) {
                $f();
            }
            $total[$k] += hrtime(true) - $start;
        }
    }
    return array_map(static fn ($ns) => $ns / 1e3 / ($per * $rounds), $total);
}

/** @return array<string, callable> the two GET clients for one record at $base */
function getters(string $base, string $key, string $id): array
{
    $client = new Client(apiKey: $key, baseUrl: $base, maxRetries: 0);
    $ch = curl_init();
    curl_setopt_array($ch, [
        CURLOPT_URL => rtrim($base, '/') . '/api/v1/companies/' . $id,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_HTTPHEADER => ["X-API-Key: {$key}", 'Accept: application/json'],
        CURLOPT_TCP_NODELAY => true,
    ]);
    $q = $client->companies();
    return [
        'erp/api-client' => static fn (): array => $q->find($id),
        'ext-curl' => static function () use ($ch): array {
            $body = curl_exec($ch);
            if (curl_getinfo($ch, CURLINFO_RESPONSE_CODE) !== 200) {
                throw new RuntimeException('curl GET failed');
            }
            return json_decode((string) $body, true, 512, JSON_THROW_ON_ERROR);
        },
    ];
}

$base = (string) getenv('ERP_BASE_URL');
$key = (string) getenv('ERP_API_KEY');
$id = (string) getenv('BENCH_ID');
$client = new Client(apiKey: $key, baseUrl: $base, maxRetries: 0);

// 1. sequential GETs, against the sandbox and against a trivial local server
$n = $nOf(5000);
foreach (interleaved(getters($base, $key, $id), $n) as $k => $us) {
    $row('seq_get', $k, 'us_per_call', $us, $n);
}
$probe = stream_socket_server('tcp://127.0.0.1:0');
$addr = (string) stream_socket_get_name($probe, false);
fclose($probe);
$port = (int) substr($addr, strrpos($addr, ':') + 1);
$srv = proc_open([PHP_BINARY, __DIR__ . '/trivial-server.php', (string) $port], [0 => ['file', '/dev/null', 'r'], 1 => STDOUT, 2 => STDERR], $pipes);
for ($i = 0; $i < 100 && !($s = @fsockopen('127.0.0.1', $port, $en, $es, 0.1)); $i++) {
    usleep(20_000);
}
if (isset($s) && $s) {
    fclose($s);
}
foreach (interleaved(getters("http://127.0.0.1:{$port}", 'sk_bench', 'cmp_bench'), $n) as $k => $us) {
    $row('seq_local', $k, 'us_per_call', $us, $n);
}
proc_terminate($srv);
proc_close($srv);

// 3. strict batch of 1000 creates, end to end
$runs = min(20, $nOf(20));
$times = [];
for ($r = 0; $r < $runs + 2; $r++) {
    $start = hrtime(true);
    $b = $client->batch()->strict();
    for ($i = 0; $i < 1000; $i++) {
        $b->add('POST', '/companies', ['name' => "php-{$r}-{$i}"]);
    }
    $res = $b->execute();
    $ms = (hrtime(true) - $start) / 1e6;
    if ($res->successful !== 1000) {
        throw new RuntimeException('strict batch: ' . $res->successful . ' of 1000');
    }
    if ($r >= 2) {
        $times[] = $ms;
    }
}
sort($times);
$row('batch_1000', 'erp/api-client', 'p50_ms', $times[intdiv(count($times) * 50, 100)], $runs);
$row('batch_1000', 'erp/api-client', 'p95_ms', $times[min(count($times) - 1, intdiv(count($times) * 95, 100))], $runs);

// 4. 10,000-row CSV import (the same CSV as every face: bench/rust/src/main.rs csv_text)
$times = [];
for ($r = 0; $r < 3; $r++) {
    $csv = "sku,name,quantity,unit_price\n";
    for ($i = 0; $i < 10000; $i++) {
        $csv .= sprintf("php-%d-%d,Item %d,%d,%d.25\n", $r, $i, $i, $i % 100, $i % 50);
    }
    $start = hrtime(true);
    $out = $client->batch()->fromCsv('inventory-items', $csv);
    $times[] = (hrtime(true) - $start) / 1e6;
    if ($out['imported'] !== 10000 || $out['failed'] !== 0) {
        throw new RuntimeException('import: ' . substr(json_encode($out), 0, 300));
    }
}
sort($times);
$row('csv_10k', 'erp/api-client', 'ms', $times[1], 10000);

// 5. verify a 1 KB delivery
$secret = (string) getenv('BENCH_SECRET');
$body = (string) file_get_contents((string) getenv('BENCH_BODY_FILE'));
$wh = new Webhook($secret);
$headers = $wh->sign('msg_bench', time(), $body);
$keyBytes = base64_decode(substr($secret, 6));
$byHand = static function (bool $decode) use ($headers, $body, $keyBytes): ?array {
    if (abs(time() - (int) $headers['webhook-timestamp']) > 300) {
        throw new RuntimeException('timestamp');
    }
    $expected = 'v1,' . base64_encode(hash_hmac('sha256', $headers['webhook-id'] . '.' . $headers['webhook-timestamp'] . '.' . $body, $keyBytes, true));
    foreach (explode(' ', $headers['webhook-signature']) as $sig) {
        if (hash_equals($expected, $sig)) {
            return $decode ? json_decode($body, true, 512, JSON_THROW_ON_ERROR) : null;
        }
    }
    throw new RuntimeException('no match');
};
if ($byHand(true) != $wh->verify($body, $headers)) {
    throw new RuntimeException('the two verifications disagree');
}
$fns = [
    'erp Webhook::verify' => static fn () => $wh->verify($body, $headers),
    'hash_hmac + json_decode' => static fn () => $byHand(true),
    'hash_hmac (signature only)' => static fn () => $byHand(false),
];
if (method_exists($wh, 'verifySignature')) {
    $fns['erp Webhook::verifySignature'] = static fn () => $wh->verifySignature($body, $headers);
}
$n = $nOf(100000);
foreach (interleaved($fns, $n) as $k => $us) {
    $row('verify', $k, 'us_per_call', $us, $n);
}

file_put_contents((string) getenv('BENCH_OUT'), json_encode($rows, JSON_PRETTY_PRINT));
