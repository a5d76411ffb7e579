#!/usr/bin/env bash
# Runs the PHPUnit suite (vectors, and the sandbox cases when ERP_SANDBOX_BIN is usable) under
# valgrind and fails if any "definitely lost" block (or any memory error) comes from our library.
# PHP's own noise is ignored: only records whose stack passes through liberp_api_client_ffi
# (kept mapped with LD_PRELOAD so its frames stay named) or through libffi's ffi_call count.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
lib="${ERP_API_CLIENT_LIB:-$(php -r 'require $argv[1]; echo Erp\ApiClient\Internal\Native::libraryPath();' "$here/src-php/Internal/Native.php")}"
log="$(mktemp /tmp/erp-php-valgrind.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "valgrind: running the PHPUnit suite ${*:-} under memcheck (library $lib)"
LD_PRELOAD="$lib" USE_ZEND_ALLOC=0 ZEND_DONT_UNLOAD_MODULES=1 \
  valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=50 --error-exitcode=0 --child-silent-after-fork=yes --log-file="$log" \
  php -d pcre.jit=0 -d opcache.enable_cli=0 "$(command -v phpunit)" -c "$here/phpunit.xml.dist" "$@" | tail -n 3
php -r '
$text = file_get_contents($argv[1]);
$records = preg_split("/^==\d+== $/m", $text);
$ours = []; $leaks = 0;
foreach ($records as $r) {
    $isLeak = str_contains($r, "definitely lost in loss record");
    $isError = (bool) preg_match("/Invalid (read|write|free)|uninitialised|Mismatched free|Source and destination overlap/", $r);
    if ($isLeak) { $leaks++; }
    if (($isLeak || $isError) && (str_contains($r, "liberp_api_client_ffi") || str_contains($r, "ffi_call"))) {
        $ours[] = trim($r);
    }
}
preg_match("/definitely lost: ([\d,]+) bytes/", $text, $m);
if ($ours) {
    fwrite(STDERR, "valgrind: memory problems from the erp-api-client library:\n\n" . implode("\n\n", $ours) . "\n");
    exit(1);
}
if (!str_contains($text, "ERROR SUMMARY")) { fwrite(STDERR, "valgrind: no summary in the log\n"); exit(1); }
printf("valgrind: no definite leak and no memory error from our library (%d definite-leak records in all, %s bytes, from PHP itself)\n", $leaks, $m[1] ?? "0");
' "$log"
