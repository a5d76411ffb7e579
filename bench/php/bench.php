<?php

/**
 * bench/php: the PHP face side by side with what PHP developers use without it.
 *
 * 1. Sequential GETs of one record: Client::companies()->find() vs ext-curl with one reused
 *    handle (keep-alive) + json_decode, against the same server ($ERP_BASE_URL, $ERP_API_KEY;
 *    `make php-bench` starts a sandbox).
 * 2. Webhook verification of a 1 KB body: Webhook::verify() (Standard Webhooks, returns the
 *    decoded event) vs hash_hmac + hash_equals (the signature check alone, and + json_decode).
 *
 * Each measurement is the median of 5 interleaved rounds.
 */

declare(strict_types=1);

require __DIR__ . '/../../php-ext/tests/bootstrap.php';

use Erp\ApiClient\Client;
use Erp\ApiClient\Webhook;

$gets = (int) (getenv('BENCH_GETS') ?: 2000);
$verifies = (int) (getenv('BENCH_VERIFIES') ?: 100000);
$rounds = 5;

function median(array $xs): float
{
    sort($xs);
    return $xs[intdiv(count($xs), 2)];
}

function line(string $what, float $us, ?float $base = null): void
{
    printf("  %-44s %9.2f us%s\n", $what, $us, $base ? sprintf('   (%.2fx the baseline)', $us / $base) : '');
}

// ------------------------------------------------------------------ GETs
/**
 * Times GET $base/api/v1/companies/$id with both clients, interleaved.
 *
 * @return array{0: float, 1: float} microseconds per GET: [curl, ours]
 */
function benchGets(string $base, string $key, string $id, int $gets, int $rounds): array
{
    $client = new Client(apiKey: $key, baseUrl: $base);
    $ch = curl_init();
    curl_setopt_array($ch, [
        CURLOPT_URL => rtrim($base, '/') . '/api/v1/companies/' . $id,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_HTTPHEADER => ["X-API-Key: {$key}", 'Accept: application/json'],
        CURLOPT_TCP_NODELAY => true,
    ]);
    $curl = static function () use ($ch): array {
        $body = curl_exec($ch);
        if (curl_getinfo($ch, CURLINFO_RESPONSE_CODE) !== 200) {
            throw new RuntimeException('curl GET failed');
        }
        return json_decode((string) $body, true, 512, JSON_THROW_ON_ERROR);
    };
    $q = $client->companies();
    $ours = static fn (): array => $q->find($id);
    for ($i = 0; $i < 200; $i++) {
        $curl();
        $ours();
    }
    $t = ['curl' => [], 'ours' => []];
    for ($r = 0; $r < $rounds; $r++) {
        foreach (['curl' => $curl, 'ours' => $ours] as $name => $f) {
            $start = hrtime(true);
            for ($i = 0; $i < $gets; $i++) {
                $f();
            }
            $t[$name][] = (hrtime(true) - $start) / 1e3 / $gets;
        }
    }
    return [median($t['curl']), median($t['ours'])];
}

// Against a trivial local server (the client side dominates).
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
[$c, $o] = benchGets("http://127.0.0.1:{$port}", 'sk_bench', 'cmp_bench', $gets * 2, $rounds);
proc_terminate($srv);
proc_close($srv);
echo "sequential GET of one record from a trivial local keep-alive server ({$gets}x2 x {$rounds} rounds, body decoded to an array):\n";
line('ext-curl, one reused handle + json_decode', $c);
line('erp/api-client  $client->companies()->find()', $o, $c);

// Against the sandbox (authentication, SQLite, the real response).
$base = getenv('ERP_BASE_URL');
$key = getenv('ERP_API_KEY');
if ($base && $key) {
    $id = (new Client(apiKey: $key, baseUrl: $base))->companies()->create(['name' => 'Bench', 'country' => 'DE'])['id'];
    [$c, $o] = benchGets($base, $key, $id, $gets, $rounds);
    echo "sequential GET /companies/{id} from the sandbox ({$gets} x {$rounds} rounds):\n";
    line('ext-curl, one reused handle + json_decode', $c);
    line('erp/api-client  $client->companies()->find()', $o, $c);
} else {
    echo "sandbox GETs skipped: set ERP_BASE_URL and ERP_API_KEY (make php-bench starts a sandbox)\n";
}

// ------------------------------------------------------------------ verify
$secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
$skeleton = json_encode(['id' => 'evt_1', 'type' => 'company.created', 'data' => ['note' => '']]);
$body = json_encode(['id' => 'evt_1', 'type' => 'company.created', 'data' => ['note' => str_repeat('x', 1024 - strlen($skeleton))]]);
$wh = new Webhook($secret);
$ts = time();
$headers = $wh->sign('msg_bench', $ts, $body);
$keyBytes = base64_decode(substr($secret, 6));

$plain = static function () use ($headers, $body, $keyBytes): bool {
    $expected = base64_encode(hash_hmac('sha256', $headers['webhook-id'] . '.' . $headers['webhook-timestamp'] . '.' . $body, $keyBytes, true));
    foreach (explode(' ', $headers['webhook-signature']) as $sig) {
        if (hash_equals('v1,' . $expected, $sig)) {
            return true;
        }
    }
    throw new RuntimeException('no match');
};
$plainDecode = static function () use ($plain, $body): array {
    $plain();
    return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
};
$ours = static fn (): array => $wh->verify($body, $headers);

$t = ['plain' => [], 'plainDecode' => [], 'ours' => []];
for ($r = 0; $r < $rounds; $r++) {
    foreach (['plain' => $plain, 'plainDecode' => $plainDecode, 'ours' => $ours] as $name => $f) {
        $start = hrtime(true);
        for ($i = 0; $i < $verifies; $i++) {
            $f();
        }
        $t[$name][] = (hrtime(true) - $start) / 1e3 / $verifies;
    }
}
printf("webhook verification of a %d-byte body (%d x %d rounds):\n", strlen($body), $verifies, $rounds);
line('hash_hmac + hash_equals (signature only)', median($t['plain']));
line('hash_hmac + hash_equals + json_decode', median($t['plainDecode']));
line('erp/api-client  Webhook::verify() (+ event)', median($t['ours']), median($t['plain']));
