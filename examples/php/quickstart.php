<?php

/**
 * The erp-api-client quickstart, in PHP.
 *
 *   composer install          # installs erp/api-client from ../../php-ext (a path repository)
 *   ERP_BASE_URL=http://127.0.0.1:8080 ERP_API_KEY=sk_... php quickstart.php
 *
 * It creates companies with a strict batch, lists them with a filter, registers a webhook to
 * a receiver it runs itself on 127.0.0.1 (`php -S` with receiver.php), creates a company,
 * receives and verifies the signed delivery, and shows the delivery history.
 */

declare(strict_types=1);

require getenv('ERP_AUTOLOAD') ?: __DIR__ . '/vendor/autoload.php';

use Erp\ApiClient\Client;
use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Webhook;

function env(string $name): string
{
    $v = getenv($name);
    if (!is_string($v) || $v === '') {
        fwrite(STDERR, "set {$name}\n");
        exit(2);
    }
    return $v;
}

/** Starts `php -S` with receiver.php on a free port; returns [process, url, inbox file]. */
function startReceiver(): array
{
    $probe = stream_socket_server('tcp://127.0.0.1:0');
    $name = (string) stream_socket_get_name($probe, false);
    fclose($probe);
    $port = (int) substr($name, strrpos($name, ':') + 1);
    $inbox = tempnam(sys_get_temp_dir(), 'erp-inbox-');
    $proc = proc_open(
        [PHP_BINARY, '-S', "127.0.0.1:{$port}", __DIR__ . '/receiver.php'],
        [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']],
        $pipes,
        null,
        ['WEBHOOK_INBOX' => $inbox] + getenv(),
    );
    for ($i = 0; $i < 200; $i++) {
        if ($s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.1)) {
            fclose($s);
            return [$proc, "http://127.0.0.1:{$port}/hooks", $inbox];
        }
        usleep(25_000);
    }
    throw new RuntimeException('the webhook receiver did not start');
}

$started = microtime(true);
$client = new Client(apiKey: env('ERP_API_KEY'), baseUrl: env('ERP_BASE_URL'));
$runId = bin2hex(random_bytes(4));
[$receiver, $hookUrl, $inbox] = startReceiver();

try {
    // 1. Create three companies atomically: all or nothing.
    $batch = $client->batch()->strict()->idempotencyKey("quickstart-php-{$runId}");
    foreach (['Acme GmbH', 'Globex AG', 'Initech KG'] as $name) {
        $batch->addOperation('POST', '/companies', ['name' => $name, 'country' => 'DE']);
    }
    $result = $batch->execute();
    printf("batch %s: %d of %d operations succeeded (%s, %d ms)\n",
        $result->id, $result->successful, $result->total, $result->status, $result->durationMs);

    // 2. List them back with a filter, newest first.
    $page = $client->companies()->filter(['country' => 'DE'])->sort('-created_at')->paginate(5)->get();
    printf("companies in DE (newest first): %s\n", implode(', ', array_column($page->data, 'name')));

    // 3. Register a webhook that points at our receiver.
    $hook = $client->webhooks()->register($hookUrl, ['company.created']);
    printf("webhook %s registered for company.created -> %s\n", $hook['id'], $hookUrl);

    // 4. Create a company: the API emits company.created and delivers it, signed.
    $company = $client->companies()->create(['name' => 'Umbrella SE', 'country' => 'DE']);
    printf("created company %s (%s)\n", $company['id'], $company['name']);

    // 5. Receive the delivery and verify its signature before trusting it.
    $verifier = new Webhook($hook['secret']);
    $delivery = null;
    for ($deadline = microtime(true) + 15; $delivery === null && microtime(true) < $deadline; usleep(50_000)) {
        foreach (file($inbox, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
            $d = json_decode($line, true);
            if (str_contains($d['body'], $company['id'])) {
                $delivery = $d;
            }
        }
    }
    if ($delivery === null) {
        throw new RuntimeException('no webhook delivery arrived within 15 s');
    }
    $event = $verifier->verify($delivery['body'], $delivery['headers']);
    printf("received %s %s for %s: signature verified\n", $event['type'], $event['id'], $event['data']['id']);

    // 6. The delivery history, as the API recorded it.
    usleep(200_000);
    foreach ($client->webhooks()->deliveries($hook['id']) as $d) {
        printf("delivery %s: %s %s after %d attempt(s), last status %s\n",
            $d['id'], $d['event_type'], $d['status'], $d['attempt_count'], $d['last_status_code'] ?? '-');
    }

    $client->webhooks()->delete($hook['id']);
    printf("php quickstart: done in %d ms (1 webhook delivery verified)\n", (int) ((microtime(true) - $started) * 1000));
} catch (ErpException $e) {
    fprintf(STDERR, "quickstart failed: %s: %s (code %s, request %s)\n",
        get_class($e), $e->getMessage(), $e->getErrorCode(), $e->getRequestId() ?? '-');
    exit(1);
} finally {
    proc_terminate($receiver);
    proc_close($receiver);
    @unlink($inbox);
}
