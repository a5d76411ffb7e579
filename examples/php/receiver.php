<?php

// A tiny webhook receiver for `php -S 127.0.0.1:PORT receiver.php`: it appends each delivery
// (raw body + headers, exactly as received) to the file named by $WEBHOOK_INBOX and answers 204.
// A real receiver would verify right here; the quickstart verifies in the main process so it
// can print the result.
declare(strict_types=1);

$entry = [
    'headers' => getallheaders(),
    'body' => (string) file_get_contents('php://input'),
];
file_put_contents((string) getenv('WEBHOOK_INBOX'), json_encode($entry) . "\n", FILE_APPEND | LOCK_EX);
http_response_code(204);
