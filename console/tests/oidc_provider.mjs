// A real OpenID provider for the tests: node-oidc-provider on loopback, with one
// confidential client (the ferry server under test) and accounts whose groups
// depend on their name: "ops-*" are in ferry-operators, "boss-*" in
// ferry-admins, anyone else in no group. Its own login page (devInteractions)
// takes any login name.
//
//   node oidc_provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
// prints "issuer URL" when it is ready.
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: "test-key-1", use: "sig", alg: "RS256" };

function groupsOf(id) {
  if (id.startsWith("ops-")) return ["staff", "ferry-operators"];
  if (id.startsWith("boss-")) return ["ferry-admins"];
  return [];
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [jwk] },
  claims: { openid: ["sub"], profile: ["name", "preferred_username"], groups: ["groups"] },
  scopes: ["openid", "profile", "groups"],
  conformIdTokenClaims: false, // the groups claim in the ID token itself
  pkce: { required: () => true },
  cookies: { keys: ["a-test-only-cookie-key"] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: id, preferred_username: id, groups: groupsOf(id) }),
  }),
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`issuer ${issuer}`);
});
