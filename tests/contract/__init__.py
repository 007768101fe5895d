"""Contract checks: recorded answer shapes (the *.json files here) and the test-only HTTP proxy."""
