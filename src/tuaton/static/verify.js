// The verifier page, working offline: the issuer's keys and status lists are fetched while online
// and kept in this browser; each presentation is checked here, as `tuaton verify` does —
// issuer signature, disclosures, the phone's Key Binding JWT, one minute's freshness, replay,
// the status-list entry. JWS is jose's (vendored); hashing and ECDSA are WebCrypto's.
import { base64url, compactVerify, decodeProtectedHeader, importJWK } from "/static/vendor/jose-subset.js";

const th = document.body.dataset.lang === "th";
const t = (a, b) => (th ? a : b);
const REASONS = JSON.parse(document.getElementById("reasons").textContent);
const ISSUER = document.body.dataset.issuer;
const VCT = ISSUER + "/credentials/national-id-card";
const AUDIENCE = ISSUER + "/verify";
const PRESENTATION_SECONDS = 60, SKEW = 10, REFRESH_SECONDS = 60;
const TRUST_KEY = "tuaton_verifier_trust", SEEN_KEY = "tuaton_verifier_seen";
const RESERVED = new Set(["_sd", "_sd_alg", "...", "iss", "iat", "exp", "nbf", "cnf", "vct", "status", "sub"]);
const enc = new TextEncoder(), dec = new TextDecoder();
const result = document.getElementById("verify-result");
const field = document.getElementById("presentation");
const trustStatus = document.getElementById("trust-status");
const LABELS = { name: t("ชื่อ", "Name (Thai)"), name_en: t("ชื่อ (อังกฤษ)", "Name (English)"), pid: t("เลขประจำตัวประชาชน", "Citizen ID"),
  birthdate: t("วันเกิด", "Born"), gender: t("เพศ", "Sex"), address: t("ที่อยู่", "Address"), date_of_issuance: t("วันออกบัตร", "Card issued"),
  date_of_expiry: t("วันบัตรหมดอายุ", "Card expires"), age_over_18: t("อายุ 18 ปีขึ้นไป", "18 or older"), age_over_20: t("อายุ 20 ปีขึ้นไป", "20 or older") };

class Rejected extends Error { constructor(reason) { super(reason); this.reason = reason; } }
const now = () => Date.now() / 1000;
const json = (bytes) => JSON.parse(dec.decode(bytes));
const sha256 = async (text) => base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text))));

// -- the cache of trust ----------------------------------------------------------------------------
const loadTrust = () => JSON.parse(localStorage.getItem(TRUST_KEY) || "null");
function showTrust(trust) {
  if (!trust) { trustStatus.textContent = t("ยังไม่มีกุญแจของผู้ออกบัตร: เชื่อมต่ออินเทอร์เน็ตครั้งหนึ่ง", "No issuer keys yet: connect once"); return; }
  trustStatus.dataset.fetchedAt = String(trust.fetched_at);
  trustStatus.textContent = t("กุญแจและรายการเพิกถอนปรับปรุงเมื่อ ", "Keys and revocation lists updated ") +
    new Date(trust.fetched_at * 1000).toLocaleString(th ? "th-TH" : "en-GB");
}
async function refreshTrust(force = false) {
  const cached = loadTrust();
  if (!force && cached && now() - cached.fetched_at < REFRESH_SECONDS) { showTrust(cached); return cached; }
  try {
    const get = async (url, as = "json") => { const r = await fetch(url, { cache: "no-store" }); if (!r.ok) throw new Error(url); return as === "json" ? r.json() : r.text(); };
    const meta = await get(ISSUER + "/.well-known/jwt-vc-issuer");
    const jwks = await get(meta.jwks_uri);
    const index = await get(meta.status_lists_uri);
    const lists = {};
    for (const uri of index.status_lists) lists[uri] = await get(uri, "text");
    const trust = { issuer: meta.issuer, jwks, lists, fetched_at: now() };
    localStorage.setItem(TRUST_KEY, JSON.stringify(trust));
    return trust;
  } catch (e) {
    return cached; // offline: the cache, however old; the checks below refuse what it cannot vouch for
  } finally { showTrust(loadTrust()); }
}
async function issuerKey(trust, header) {
  const jwk = (trust.jwks.keys || []).find((k) => k.kid === header.kid && k.kty === "EC");
  if (!jwk) throw new Rejected("bad_signature");
  return importJWK(jwk, "ES256");
}
async function verifyJws(token, key, reason) {
  try { return await compactVerify(token, key, { algorithms: ["ES256"] }); } catch (e) { throw new Rejected(reason); }
}
function firstUse(nonce) {
  const seen = Object.fromEntries(Object.entries(JSON.parse(localStorage.getItem(SEEN_KEY) || "{}")).filter(([, until]) => until > now()));
  if (seen[nonce]) return false;
  seen[nonce] = now() + 3 * PRESENTATION_SECONDS;
  localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
  return true;
}
async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// -- the checks, in the order tuaton.card.verifier makes them ------------------------------------
async function verifyPresentation(text, trust) {
  if (!trust) throw new Rejected("status_unavailable");
  const parts = text.trim().split("~");
  if (parts.length < 2 || !parts[0]) throw new Rejected("malformed");
  if (!parts[parts.length - 1]) throw new Rejected("not_bound");
  let header;
  try { header = decodeProtectedHeader(parts[0]); } catch (e) { throw new Rejected("malformed"); }
  if (!["dc+sd-jwt", "vc+sd-jwt"].includes(header.typ)) throw new Rejected("malformed");
  const issued = await verifyJws(parts[0], await issuerKey(trust, header), "bad_signature");
  const payload = json(issued.payload);
  if (payload.iss !== trust.issuer || payload.vct !== VCT) throw new Rejected("unknown_issuer");
  if (typeof payload.exp !== "number" || payload.exp < now() - SKEW || payload.iat > now() + SKEW) throw new Rejected("expired");
  const digests = new Set(payload._sd || []), seen = new Set(), claims = {};
  for (const encoded of parts.slice(1, -1)) {
    let disclosure;
    try { disclosure = json(base64url.decode(encoded)); } catch (e) { throw new Rejected("disclosure_invalid"); }
    const digest = await sha256(encoded);
    if (!Array.isArray(disclosure) || disclosure.length !== 3 || !digests.has(digest) || seen.has(digest)
        || RESERVED.has(disclosure[1]) || disclosure[1] in payload || disclosure[1] in claims) throw new Rejected("disclosure_invalid");
    seen.add(digest); claims[disclosure[1]] = disclosure[2];
  }
  const holder = payload.cnf && payload.cnf.jwk;
  if (!holder) throw new Rejected("not_bound");
  const kb = await verifyJws(parts[parts.length - 1], await importJWK(holder, "ES256"), "binding_invalid");
  const kbPayload = json(kb.payload);
  if (kb.protectedHeader.typ !== "kb+jwt" || kbPayload.sd_hash !== await sha256(parts.slice(0, -1).join("~") + "~")) throw new Rejected("binding_invalid");
  if (typeof kbPayload.iat !== "number" || kbPayload.iat > now() + SKEW || now() - kbPayload.iat > PRESENTATION_SECONDS + SKEW) throw new Rejected("stale");
  if (kbPayload.aud !== AUDIENCE) throw new Rejected("wrong_audience");
  if (typeof kbPayload.nonce !== "string" || kbPayload.nonce.length < 16) throw new Rejected("binding_invalid");
  if (!firstUse(kbPayload.nonce)) throw new Rejected("replayed");
  const entry = payload.status && payload.status.status_list;
  if (!entry || typeof entry.idx !== "number") throw new Rejected("malformed");
  const listToken = trust.lists[entry.uri];
  if (!listToken) throw new Rejected("status_unavailable");
  const list = await verifyJws(listToken, await issuerKey(trust, decodeProtectedHeader(listToken)), "status_unavailable");
  const listPayload = json(list.payload);
  if (list.protectedHeader.typ !== "statuslist+jwt" || listPayload.sub !== entry.uri) throw new Rejected("status_unavailable");
  if (listPayload.exp < now()) throw new Rejected("status_stale");
  const bits = await inflate(base64url.decode(listPayload.status_list.lst));
  if (entry.idx >= bits.length * 8) throw new Rejected("status_unavailable");
  if ((bits[entry.idx >> 3] >> (entry.idx & 7)) & 1) throw new Rejected("revoked");
  return { claims, ial: payload.ial };
}

// -- the page ----------------------------------------------------------------------------------------
function show(ok, rows, message) {
  result.replaceChildren();
  result.className = ok ? "verdict-ok" : "verdict-bad";
  result.dataset.valid = ok ? "true" : "false";
  const head = document.createElement("h2");
  head.textContent = ok ? t("บัตรถูกต้อง", "Valid") : t("ตรวจสอบไม่ผ่าน", "Not valid");
  result.append(head);
  if (message) { const p = document.createElement("p"); p.id = "verify-reason"; p.textContent = message; result.append(p); }
  for (const [key, value] of rows) {
    if (key === "picture") { const img = document.createElement("img"); img.src = value; img.alt = t("รูปถ่าย", "Photo"); img.id = "verified-photo"; result.append(img); continue; }
    const p = document.createElement("p"); p.dataset.claim = key;
    p.textContent = `${LABELS[key] || key}: ${value === true ? t("ใช่", "yes") : value === false ? t("ไม่ใช่", "no") : value}`;
    result.append(p);
  }
}
async function verify(text) {
  const trust = await refreshTrust();
  try {
    const card = await verifyPresentation(text, trust);
    delete result.dataset.reason;
    show(true, Object.entries(card.claims), `IAL ${card.ial || "?"}`);
  } catch (e) {
    if (!(e instanceof Rejected)) console.error("verification failed:", e);
    const reason = e instanceof Rejected ? e.reason : "malformed";
    result.dataset.reason = reason;
    show(false, [], (REASONS[reason] || REASONS.malformed)[th ? 1 : 0]);
  }
}
document.getElementById("verify").addEventListener("click", () => field.value && verify(field.value));
document.getElementById("refresh").addEventListener("click", () => refreshTrust(true));

const video = document.getElementById("camera"), canvas = document.getElementById("frame");
const status = document.getElementById("scan-status");
let last = "";
function tick() {
  if (video.readyState >= 2 && video.videoWidth) {
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0);
    const found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
    if (found && found.data && found.data !== last) { last = found.data; field.value = found.data; verify(found.data); }
  }
  setTimeout(tick, 150);
}
refreshTrust().then(() => {
  if (!navigator.mediaDevices) return;
  navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
    .then((s) => { video.srcObject = s; status.textContent = t("เล็งกล้องไปที่คิวอาร์โค้ด", "Point the camera at the QR code"); tick(); })
    .catch(() => { video.remove(); status.textContent = t("ใช้กล้องไม่ได้ วางข้อมูลแทน", "No camera: paste instead"); });
});
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/verify/sw.js", { scope: "/verify" }).catch(() => {});
