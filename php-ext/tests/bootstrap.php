<?php

declare(strict_types=1);

// The package's PSR-4 autoloading, without Composer (the tests run from the source tree).
spl_autoload_register(static function (string $class): void {
    $map = [
        'Erp\\ApiClient\\Tests\\' => __DIR__ . '/',
        'Erp\\ApiClient\\' => dirname(__DIR__) . '/src-php/',
    ];
    foreach ($map as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
