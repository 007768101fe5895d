"""The environment every benchmark server starts with: fixed keys (nothing real is ever encrypted or signed with
them), no .env, DEBUG off and quiet logs."""

BENCH_ENVIRONMENT = {
    "READ_DOT_ENV": "false",
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + "s" * 50,
    "FIELD_ENCRYPTION_KEYS": "dGVzdHMtb25seS1rZXktMDAwMDAwMDAwMDAwMDAwMDA=",
    "HISTORY_HMAC_KEYS": "bench-only-history-key-" + "h" * 20,
    "LOG_LEVEL": "WARNING",
}
