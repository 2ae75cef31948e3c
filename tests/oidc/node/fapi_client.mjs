// An agency's server as panva's openid-client v6 makes one, with everything FAPI 2.0 asks:
// private_key_jwt (its public key published at a jwks_uri this script serves), a pushed
// authorization request, PKCE S256, and DPoP-bound tokens. Driven by the Python test over JSON
// lines: it prints {"jwks_uri"}, reads {"issuer", "client_id", "redirect_uri"}, prints {"authorize"}
// (the URL the browser opens), reads {"callback"} (where the browser came back), prints what it got.
import * as http from "node:http";
import * as readline from "node:readline";
import * as client from "openid-client";

const lines = readline.createInterface({ input: process.stdin });
const next = () => new Promise((resolve) => lines.once("line", (line) => resolve(JSON.parse(line))));
const say = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true,
  ["sign", "verify"]);
const jwk = { ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "agency-2026", use: "sig", alg: "ES256" };
delete jwk.key_ops; delete jwk.ext;
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
say({ jwks_uri: `http://127.0.0.1:${server.address().port}/jwks.json` });

try {
  const { issuer, client_id, redirect_uri } = await next();
  const config = await client.discovery(new URL(issuer), client_id, {}, client.PrivateKeyJwt({ key: privateKey, kid: jwk.kid }),
    { execute: [client.allowInsecureRequests] });   // the test's Tuaton listens on plain http on loopback
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri, scope: "openid pid name", state, code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }, { DPoP: dpop });
  say({ authorize: url.href });
  const { callback } = await next();
  const tokens = await client.authorizationCodeGrant(config, new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: dpop });
  // The same token without its proof: a resource must refuse it.
  const bare = await fetch(config.serverMetadata().userinfo_endpoint,
    { headers: { Authorization: `DPoP ${tokens.access_token}` } });
  say({ token_type: tokens.token_type, sub: claims.sub, iss: claims.iss, userinfo, without_proof: bare.status });
} catch (error) {
  say({ error: `${error.name}: ${error.message}`, cause: error.cause ? String(error.cause?.error ?? error.cause) : null });
} finally {
  server.close();
  lines.close();
}
