"""Authentication backends: the identity provider's, and the local password's (modules apart, so a password
log-in never loads the HTTP client the provider's needs)."""
