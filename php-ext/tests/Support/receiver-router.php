<?php

// Router for `php -S`: records every request (method, path, headers, raw body) as one JSON
// line in $RECEIVER_LOG and answers with the status in $RECEIVER_DIR/status (default 200).
declare(strict_types=1);

$log = (string) getenv('RECEIVER_LOG');
$statusFile = dirname($log) . '/status';
$status = is_file($statusFile) ? (int) trim((string) file_get_contents($statusFile)) : 200;
$entry = [
    'method' => $_SERVER['REQUEST_METHOD'] ?? '',
    'path' => $_SERVER['REQUEST_URI'] ?? '',
    'headers' => function_exists('getallheaders') ? getallheaders() : [],
    'body' => (string) file_get_contents('php://input'),
    'status' => $status,
];
file_put_contents($log, json_encode($entry, JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND | LOCK_EX);
http_response_code($status);
header('Content-Type: application/json');
echo '{"received":true}';
