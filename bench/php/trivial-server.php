<?php

/**
 * A trivial keep-alive HTTP/1.1 server for the GET benchmark: answers every request with the
 * same small JSON record, so the client side dominates the measurement.
 * Usage: php trivial-server.php PORT
 */

declare(strict_types=1);

$port = (int) ($argv[1] ?? 0);
$server = stream_socket_server("tcp://127.0.0.1:{$port}", $errno, $errstr);
if ($server === false) {
    fwrite(STDERR, "listen: {$errstr}\n");
    exit(1);
}
$body = json_encode(['id' => 'cmp_bench', 'name' => 'Bench', 'country' => 'DE', 'status' => 'active',
    'email' => null, 'tax_id' => null, 'created_at' => '2026-11-23T00:00:00Z', 'updated_at' => '2026-11-23T00:00:00Z']);
$response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: req_bench\r\nContent-Length: "
    . strlen($body) . "\r\n\r\n" . $body;
$clients = [];
$buffers = [];
while (true) {
    $read = $clients;
    $read[] = $server;
    $w = $e = null;
    if (stream_select($read, $w, $e, null) === false) {
        break;
    }
    foreach ($read as $s) {
        if ($s === $server) {
            $c = stream_socket_accept($server, 0);
            if ($c) {
                stream_set_blocking($c, false);
                $clients[(int) $c] = $c;
                $buffers[(int) $c] = '';
            }
            continue;
        }
        $data = fread($s, 65536);
        if ($data === '' || $data === false) {
            if (feof($s)) {
                unset($clients[(int) $s], $buffers[(int) $s]);
                fclose($s);
            }
            continue;
        }
        $buffers[(int) $s] .= $data;
        while (($end = strpos($buffers[(int) $s], "\r\n\r\n")) !== false) {
            $buffers[(int) $s] = substr($buffers[(int) $s], $end + 4);
            fwrite($s, $response);
        }
    }
}
