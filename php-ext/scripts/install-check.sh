#!/usr/bin/env bash
# Installs erp/api-client into a throwaway Composer project through a path repository (a copy,
# not a symlink, so the package must be self-contained: classes, header, built library), then
# runs the quickstart from that project. Needs ERP_BASE_URL and ERP_API_KEY (with-sandbox.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
proj="$(mktemp -d /tmp/erp-php-project.XXXXXX)"
trap 'rm -rf "$proj"' EXIT
cp "$repo/examples/php/quickstart.php" "$repo/examples/php/receiver.php" "$proj/"
cat >"$proj/composer.json" <<JSON
{
    "name": "acme/throwaway",
    "description": "Installs erp/api-client the way a user does.",
    "type": "project",
    "license": "proprietary",
    "repositories": [
        {"type": "path", "url": "$repo/php-ext", "options": {"symlink": false}},
        {"packagist.org": false}
    ],
    "require": {"php": ">=8.1", "erp/api-client": "*@dev"}
}
JSON
export COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME="$proj/.composer" COMPOSER_NO_INTERACTION=1
(cd "$proj" && composer install --no-progress --quiet)
test -f "$proj/vendor/erp/api-client/src-php/Client.php"
test -f "$proj/vendor/erp/api-client/include/erp_api_client.h"
ls "$proj"/vendor/erp/api-client/lib/*/ >/dev/null
echo "composer: erp/api-client installed into $proj via a path repository"
(cd "$proj" && env -u ERP_API_CLIENT_LIB php quickstart.php)
