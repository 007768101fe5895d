// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider with its development log-in
// (any user name, any password), people and their groups read from PEOPLE_FILE at every sign-in (so a test
// can move someone between groups), and one confidential client that must use PKCE. It listens on a free
// loopback port and prints {"issuer": ...} as its first line of output.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import * as oidc from "oidc-provider";

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};

function person(login) {
  const people = JSON.parse(readFileSync(env("PEOPLE_FILE"), "utf8"));
  return { email: `${login}@example.test`, ...(people[login] ?? {}), sub: login };
}

const server = createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new oidc.Provider(issuer, {
    clients: [
      {
        client_id: env("CLIENT_ID"),
        client_secret: env("CLIENT_SECRET"),
        redirect_uris: env("REDIRECT_URIS").split(","),
        post_logout_redirect_uris: env("POST_LOGOUT_REDIRECT_URIS").split(","),
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    pkce: { required: () => true },
    scopes: ["openid", "email", "profile", "groups"],
    claims: {
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "preferred_username"],
      groups: ["groups"],
    },
    async findAccount(ctx, sub) {
      return { accountId: sub, claims: async () => person(sub) };
    },
    cookies: { keys: ["tests-only-cookie-key"] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  });
  provider.proxy = false;
  server.on("request", provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
