#!/usr/bin/env bash
# Runs the same quickstart in every language against one sandbox (ERP_BASE_URL,
# ERP_API_KEY already set by scripts/with-sandbox.sh) and prints a summary table.
# Each step: create companies with a strict batch, list them with a filter, register a webhook
# to a local receiver, create a company, receive and verify the signed delivery, show the
# delivery history, delete the webhook.
set -uo pipefail
cd "$(dirname "$0")/.."

# Everything is built beforehand (`make demo-build`), so the times are the quickstarts'.
steps=(
  "Rust|target/debug/quickstart"
  "Python|.venv/bin/python examples/python/quickstart.py"
  "Node|node examples/node/quickstart.mjs"
  "Browser (wasm)|node examples/browser/run.mjs"
  "PHP|php examples/php/quickstart.php"
)
rows=()
failed=0
for step in "${steps[@]}"; do
  name=${step%%|*}
  cmd=${step#*|}
  printf '\n== %s: %s\n' "$name" "$cmd"
  log=$(mktemp)
  start=$(date +%s%N)
  if bash -c "$cmd" 2>&1 | tee "$log"; then status=ok; else status=FAILED; failed=1; fi
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  verified=$(grep -ci 'signature verified' "$log" || true)
  ops=$(grep -ciE '^(batch|companies|webhook|created|received|delivery) ' "$log" || true)
  if [ "$status" = FAILED ]; then
    echo ">> $name quickstart FAILED (see its output above); continuing with the next language"
  fi
  rows+=("$(printf '| %-14s | %-6s | %10s | %20s | %8s |' "$name" "$status" "$ops" "$verified" "${ms} ms")")
  rm -f "$log"
done

printf '\n| %-14s | %-6s | %10s | %20s | %8s |\n' language result operations "deliveries verified" time
printf '|%s|%s|%s|%s|%s|\n' ---------------- -------- ------------ ---------------------- ----------
printf '%s\n' "${rows[@]}"
if [ "$failed" -ne 0 ]; then echo; echo "make demo: some quickstarts failed (marked FAILED above)"; exit 1; fi
echo; echo "make demo: every quickstart ran against the sandbox at $ERP_BASE_URL"
