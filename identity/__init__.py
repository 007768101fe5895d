"""Single sign-on with the organisation's OpenID Connect provider: people, their roles and their teams."""
