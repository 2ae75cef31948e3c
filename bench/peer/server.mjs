// The benchmark's peer: panva's oidc-provider (the certified reference OP), in-memory store, one
// Node.js process on loopback. Configured like Tuaton's bench client: authorization code with
// PKCE S256, client_secret_basic, ES256 ID tokens, refresh tokens, the same claims.
// A sign-in's "login" is an interaction endpoint that signs the account in and grants consent
// at once (POST /interaction/:uid), as a login page would after checking the user.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 3999);
const clientId = process.argv[3] || 'bench';
const clientSecret = process.argv[4] || 'bench-secret-bench-secret-bench-secret';
const redirectUri = process.argv[5] || 'https://bench.example.go.th/cb';
const issuer = `http://127.0.0.1:${port}`;

const jwk = (alg, pair) => ({ ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg}-1` });
const keys = [
  jwk('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
  jwk('RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })),
];

// oidc-provider's own in-memory adapter is an LRU of 1,000 entries (a development aid): under the
// bench's load it evicts codes and tokens within seconds. This one is a plain Map with expiry, the
// in-memory store a fair comparison needs (Tuaton's benchmark keeps everything too).
const stores = new Map();
const grants = new Map();
class MapAdapter {
  constructor(name) { this.name = name; if (!stores.has(name)) stores.set(name, new Map()); this.map = stores.get(name); }
  async upsert(id, payload, expiresIn) {
    this.map.set(id, { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.grantId) {
      const ids = grants.get(payload.grantId) || [];
      ids.push([this.name, id]);
      grants.set(payload.grantId, ids);
    }
  }
  async find(id) {
    const entry = this.map.get(id);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) { this.map.delete(id); return undefined; }
    return entry.payload;
  }
  async findByUid(uid) { for (const [id, e] of this.map) if (e.payload.uid === uid) return this.find(id); return undefined; }
  async findByUserCode(code) { for (const [id, e] of this.map) if (e.payload.userCode === code) return this.find(id); return undefined; }
  async consume(id) { const e = this.map.get(id); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { this.map.delete(id); }
  async revokeByGrantId(grantId) {
    for (const [name, id] of grants.get(grantId) || []) stores.get(name).delete(id);
    grants.delete(grantId);
  }
}

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{
    client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'pid', 'name', 'birthdate'],
  claims: { openid: ['sub'], pid: ['pid'], name: ['name'], birthdate: ['birthdate'] },
  features: { devInteractions: { enabled: false }, introspection: { enabled: true }, revocation: { enabled: true } },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, pid: id, name: `บุคคล ทดสอบ ${id}`, birthdate: '1990-05-17' }),
  }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

const callback = provider.callback();
http.createServer(async (req, res) => {
  if (!req.url.startsWith('/interaction/')) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(details.uid);
    }
    const accountId = new URL(req.url, issuer).searchParams.get('account') || '1000551732651';
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false });
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(err));
  }
}).listen(port, '127.0.0.1', () => console.log(`peer listening on ${issuer}`));
