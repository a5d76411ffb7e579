<?php

// Tries to use the library and prints the outcome (run in a subprocess by LoadingTest).
declare(strict_types=1);

require __DIR__ . '/../bootstrap.php';

try {
    $w = new Erp\ApiClient\Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    echo "ok\n";
} catch (Throwable $e) {
    echo get_class($e), "\n", $e->getMessage(), "\n";
}
