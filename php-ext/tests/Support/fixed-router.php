<?php

// Router for `php -S`: answers GET /api/v1/companies/<id> with a fixed body per id, so a test
// can see what the client makes of bodies a real server should never send.
declare(strict_types=1);

$bodies = [
    // Server order of keys, a big integer, a float with a zero fraction, unicode.
    'cmp_ok' => '{"name": "Zeta \u00e9", "id": "cmp_ok", "big": 123456789012345678901234, "ratio": 1.0, "tags": []}',
    'cmp_truncated' => '{"id": "cmp_truncated", "name": ',
    'cmp_html' => '<html><body>Bad gateway</body></html>',
    'cmp_trailing' => '{"id": "cmp_trailing"}, "error": {"kind": "not_found"}',
    'cmp_latin1' => "{\"name\": \"caf\xe9\"}",
    'cmp_surrogate' => '{"name": "\ud800"}',
    'cmp_empty' => '',
];
$id = basename((string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? ''), PHP_URL_PATH));
header('Content-Type: application/json');
header('X-Request-Id: req_fixed_' . $id);
if (!array_key_exists($id, $bodies)) {
    http_response_code(404);
    echo '{"error": {"code": "NOT_FOUND", "message": "no such fixture", "request_id": "req_fixed_' . $id . '"}}';
    return;
}
echo $bodies[$id];
