#!/usr/bin/env bash
# Every benchmark, in the order docs/bench.md reports them. Each script compares against the
# classic stack where one exists for that measure, in the same run, on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-artifacts/publish/letterbox}
echo "== start-up, memory, size"; bash bench/startup.sh "$bin" 5
echo "== supervisor recovery"; bash bench/supervisor.sh "$bin"
echo "== smtp receiving, against postfix (quick: 1000 messages; bench/smtp.sh for the full run)"; bash bench/smtp.sh --messages 1000 --binary "$bin"
echo "== imap, against dovecot (quick: 5 clients x 10 rounds, 200 idle; bench/imap.sh for the full run)"; bash bench/imap.sh --clients 5 --rounds 10 --idle 200 --binary "$bin"
echo "== outbound (signed, relayed), against postfix + opendkim (quick: 500 messages; bench/outbound.sh for the full run)"; bash bench/outbound.sh --messages 500 --binary "$bin"
