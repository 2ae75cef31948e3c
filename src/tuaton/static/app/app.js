// Tuaton — the citizen app as a mobile web app. The same device API as `tuaton app` (one protocol,
// two clients). The device key is a non-extractable WebCrypto P-256 key kept in IndexedDB: the
// page can sign with it but never read it. JWS is jose's (vendored); QR decoding jsQR's.
import { CompactSign, exportJWK, base64url } from "/static/vendor/jose-subset.js";

const main = document.getElementById("app");
const enc = new TextEncoder();
let lang = localStorage.getItem("tuaton_lang") || ((navigator.language || "th").startsWith("en") ? "en" : "th");
const t = (th, en) => (lang === "th" ? th : en);
// An assurance level in words a citizen understands (the server's table, assurance.IAL_WORDS, given
// with the page as {ial: [English, Thai]}); the code stays in brackets for the help desk.
const LEVELS = JSON.parse(document.body.dataset.ialWords || "{}");
const level = (ial) => { const words = LEVELS[ial]; return words ? `${t(words[1], words[0])} (IAL ${ial})` : `IAL ${ial}`; };

// -- small DOM helper: text always as textContent, never as HTML --------------------------------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
// The screen on show is a function, kept in `current`: switching the language draws it again in the
// other language, where the citizen was (a step, an approval), instead of going back home.
let current = () => home();
function go(draw) { current = draw; return draw(); }
const above = (c) => c instanceof Element && (c.classList.contains("back") || c.classList.contains("step"));
function screen(title, ...content) {
  main.replaceChildren(h("header", { class: "app-bar" },
    h("button", { id: "home", class: "link", onclick: () => { enrolment = null; go(home); } },
      h("img", { src: "/static/favicon.svg", alt: "" }), "ตัวตน Tuaton"),
    h("button", { id: "lang", class: "link", lang: lang === "th" ? "en" : "th", onclick: () => {
      lang = lang === "th" ? "en" : "th";
      localStorage.setItem("tuaton_lang", lang); document.documentElement.lang = lang; current(); } },
      lang === "th" ? "English" : "ภาษาไทย")),
    // A step's Back link and its "Step 3 of 8" sit above the heading (GOV.UK's places for them).
    ...content.filter(above), h("h1", {}, title), ...content.filter((c) => c !== null && c !== undefined && !above(c)));
  document.title = `${title} · Tuaton`;
}
// The way back to the step before, where going back is possible (the server lets that step be redone).
const back = (to) => h("button", { id: "back", class: "back", onclick: () => go(to) }, t("ย้อนกลับ", "Back"));
// A screen that ends a journey with a failure: what went wrong, and where to go next (never a dead end).
function failed(title, error, ...next) {
  go(() => screen(title, h("p", { id: "error", class: "error", role: "alert" }, error.message),
    ...(next.length ? next : [h("button", { class: "primary", onclick: () => go(home) }, t("กลับหน้าหลัก", "Home"))])));
}
function problemText(body, status) {
  if (!body) return t("เชื่อมต่อไม่ได้", "Cannot connect") + ` (${status})`;
  const th = body.detail_th, en = body.detail || body.error_description || body.title;
  return lang === "th" && th ? th : (en || th || String(status));
}
function showError(message) {
  const box = document.getElementById("error") || main.appendChild(h("p", { id: "error", class: "error", role: "alert" }));
  box.textContent = message;
}


// -- the device: IndexedDB ---------------------------------------------------------------------
function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("tuaton", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("kv");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}
async function kv(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction("kv", mode); const req = fn(tx.objectStore("kv"));
    tx.oncomplete = () => resolve(req && req.result); tx.onerror = () => reject(tx.error);
  });
}
const load = (key) => kv("readonly", (s) => s.get(key));
const save = (key, value) => kv("readwrite", (s) => s.put(value, key));
const forget = (key) => kv("readwrite", (s) => s.delete(key));

// -- signing -----------------------------------------------------------------------------------
async function newKey() {
  // extractable: false — the private key can sign but can never be exported, not even by this page.
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const jwk = await exportJWK(pair.publicKey);
  return { privateKey: pair.privateKey, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
}
async function sign(privateKey, payload, header = { alg: "ES256" }) {
  return new CompactSign(enc.encode(JSON.stringify(payload))).setProtectedHeader(header).sign(privateKey);
}
const nonce = () => base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
const now = () => Math.floor(Date.now() / 1000);

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  let response;
  try { response = await fetch(path, init); } catch (e) { throw new Error(t("ไม่มีการเชื่อมต่ออินเทอร์เน็ต", "You are offline")); }
  const data = await response.json().catch(() => null);
  if (!response.ok) { const err = new Error(problemText(data, response.status)); err.body = data; err.status = response.status; throw err; }
  return data;
}

// -- passcode keypad -----------------------------------------------------------------------------
function keypad(prompt, onDone) {
  let digits = "";
  const dots = h("div", { id: "passcode-dots", class: "dots", "aria-live": "polite" });
  const paint = () => { dots.textContent = "●".repeat(digits.length) + "○".repeat(8 - digits.length); };
  paint();
  const press = async (d) => {
    if (d === "⌫") digits = digits.slice(0, -1); else if (digits.length < 8) digits += d;
    paint();
    if (digits.length === 8) { const code = digits; digits = ""; paint(); await onDone(code); }
  };
  const key = (d) => h("button", { class: "key", "data-key": d, "aria-label": d === "⌫" ? t("ลบ", "Delete") : d, onclick: () => press(d) }, d);
  const section = h("section", { class: "keypad", id: "keypad" }, h("p", { id: "keypad-prompt" }, prompt), dots,
    h("div", { class: "keys", role: "group", "aria-labelledby": "keypad-prompt" }, ..."123456789".split("").map(key), h("span"), key("0"), key("⌫")));
  // A keyboard's digits and Backspace work too (a laptop, a screen reader user): the keys stay
  // buttons that Tab reaches. The listener goes with the keypad.
  const typed = (event) => {
    if (!section.isConnected) return document.removeEventListener("keydown", typed);
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (/^[0-9]$/.test(event.key)) { event.preventDefault(); press(event.key); }
    else if (event.key === "Backspace") { event.preventDefault(); press("⌫"); }
  };
  document.addEventListener("keydown", typed);
  return section;
}
function askPasscodeTwice(onDone) {
  const area = h("div");
  area.append(keypad(t("ตั้งรหัสผ่าน 8 หลัก", "Choose an 8-digit passcode"), async (first) => {
    area.replaceChildren(keypad(t("ใส่รหัสผ่านอีกครั้ง", "Enter it again"), (second) => onDone(first, second)));
  }));
  return area;
}

// -- QR scanning with the camera ---------------------------------------------------------------
function scanner(onCode, pasteLabel) {
  const video = h("video", { id: "camera", playsinline: true, muted: true, autoplay: true });
  const canvas = h("canvas", { hidden: true });
  const status = h("p", { id: "scan-status" }, t("กำลังเปิดกล้อง…", "Starting the camera…"));
  const paste = h("input", { id: "paste", type: "url", placeholder: pasteLabel, autocomplete: "off" });
  let stream = null, done = false;
  const finish = (text) => { if (done) return; done = true; if (stream) stream.getTracks().forEach((tr) => tr.stop()); onCode(text.trim()); };
  const tick = () => {
    if (done) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0);
      const found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      if (found && found.data) { finish(found.data); return; }
    }
    requestAnimationFrame(tick);
  };
  navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then((s) => {
    stream = s; video.srcObject = s; status.textContent = t("เล็งกล้องไปที่คิวอาร์โค้ด", "Point the camera at the QR code"); tick();
  }).catch(() => { status.textContent = t("ใช้กล้องไม่ได้ วางลิงก์แทน", "No camera: paste the link instead"); });
  return h("section", { class: "scanner" }, video, canvas, status,
    h("label", { for: "paste" }, t("หรือวางลิงก์", "Or paste the link")), paste,
    h("button", { id: "paste-go", onclick: () => paste.value && finish(paste.value) }, t("ดำเนินการต่อ", "Continue")));
}

// -- photos: camera capture, file input fallback ------------------------------------------------
// In the sandbox (TUATON_SANDBOX), a photo step also offers the synthetic persona's photo, a fresh
// variant each time (another "shot" of the card, another "attempt" of the selfie): a demo without
// a camera goes through the real pipeline, as often as it likes.
const SANDBOX = document.body.dataset.sandbox === "true";
const fresh = () => Math.floor(Math.random() * 1_000_000);
function photoStep(label, facing, onPhoto, sandbox = null) {
  const section = h("section", { class: "photo-step" });
  const video = h("video", { playsinline: true, muted: true, autoplay: true, class: "capture" });
  const file = h("input", { type: "file", accept: "image/*", capture: facing === "user" ? "user" : "environment",
    id: "photo-file", onchange: () => file.files[0] && done(file.files[0]) });
  const shootButton = h("button", { id: "shoot", onclick: () => shoot(), disabled: true }, t("ถ่ายรูป", "Take the photo"));
  let stream = null;
  const stop = () => { if (stream) stream.getTracks().forEach((tr) => tr.stop()); stream = null; };
  // A preview to check before anything is sent: use it, or take it again.
  const done = (blob) => {
    stop();
    const reader = new FileReader();
    reader.onload = () => section.replaceChildren(
      h("p", {}, t("ตรวจดูรูปให้ชัด ไม่มีแสงสะท้อน แล้วกดใช้รูปนี้", "Check the photo is sharp, with no glare, then use it")),
      h("img", { id: "preview", class: "preview", src: reader.result, alt: t("รูปที่ถ่าย", "The photo taken") }),
      h("div", { class: "actions" },
        h("button", { id: "use-photo", class: "primary", onclick: () => onPhoto(blob) }, t("ใช้รูปนี้", "Use this photo")),
        h("button", { id: "retake", class: "secondary", onclick: () => { document.getElementById("error")?.remove(); section.replaceWith(photoStep(label, facing, onPhoto, sandbox)); } },
          t("ถ่ายใหม่", "Take it again"))));
    reader.readAsDataURL(blob);
  };
  navigator.mediaDevices.getUserMedia({ video: { facingMode: facing } }).then((s) => {
    stream = s; video.srcObject = s; shootButton.disabled = false;
  }).catch(() => { video.remove(); shootButton.remove(); });   // no camera: choose a file instead
  const shoot = () => {
    if (!video.videoWidth) return;                              // no picture yet: nothing to send
    const c = h("canvas"); c.width = video.videoWidth; c.height = video.videoHeight;
    c.getContext("2d").drawImage(video, 0, 0, c.width, c.height);
    c.toBlob((b) => done(b), "image/jpeg", 0.92);
  };
  // The file input's own button speaks the browser's language ("Choose File" on a Thai screen):
  // it is hidden from sight, not from the keyboard, and its label is the button the citizen sees.
  file.classList.add("visually-hidden");
  section.append(h("p", {}, label), video, shootButton, file,
    h("label", { for: "photo-file", class: "file-button", id: "photo-file-label" }, t("หรือเลือกไฟล์รูป", "Or choose a photo file")));
  if (SANDBOX && sandbox) {
    const use = h("button", { id: "sandbox-photo", onclick: async () => {
      const url = sandbox.url();
      if (!url) return showError(t("เลือกบุคคลทดสอบก่อน", "Choose a test persona first"));
      try {
        const response = await fetch(url);
        if (!response.ok) throw new Error(problemText(await response.json().catch(() => null), response.status));
        done(await response.blob());
      } catch (e) { showError(e.message); }
    } }, t("ใช้รูปทดสอบ (sandbox)", "Use a test photo (sandbox)"));
    section.append(h("div", { class: "sandbox", id: "sandbox-photos" },
      h("p", {}, t("ระบบทดสอบ: ใช้รูปสังเคราะห์ของบุคคลทดสอบแทนกล้อง ทุกครั้งได้รูปใหม่", "Sandbox: use a synthetic persona's photo instead of the camera; a new one each time.")),
      ...(sandbox.extra || []), use));
  }
  return section;
}

// -- home ------------------------------------------------------------------------------------
async function home() {
  const device = await load("device");
  if (!device) {
    screen(t("ยืนยันตัวตนครั้งแรก", "Prove who you are, once"),
      h("p", {}, t("เลือกวิธีลงทะเบียน", "Choose how to enrol")),
      h("button", { id: "enrol-office", onclick: () => go(enrolAtOffice) }, t("ลงทะเบียนที่สำนักทะเบียน (สแกนคิวอาร์ของเจ้าหน้าที่)", "At a registrar office (scan the officer's QR)")),
      h("button", { id: "enrol-self", onclick: () => go(selfEnrol) }, t("ลงทะเบียนด้วยตนเอง (ถ่ายรูปบัตรและใบหน้า)", "By yourself (photos of your card and face)")),
      h("p", {}, h("a", { href: `/help?lang=${lang}#help-enrol`, id: "help-link" }, t("วิธีลงทะเบียน และสิ่งที่ต้องเตรียม", "How to enrol, and what you need"))));
    return;
  }
  screen(t("ตัวตนดิจิทัลของท่าน", "Your digital identity"),
    // The one mask of a citizen ID on screens (registry/citizen_id.masked): 1-xxxx-xxxxx-12-1.
    h("p", { id: "who" }, `${device.pid.slice(0, 1)}-xxxx-xxxxx-${device.pid.slice(10, 12)}-${device.pid.slice(12)} · ${level(device.ial)}`),
    h("button", { id: "scan", class: "primary", onclick: () => go(scanSignin) }, t("สแกนเพื่อเข้าสู่ระบบ", "Scan to sign in")),
    h("button", { id: "requests", onclick: () => go(requests) }, t("คำขอยืนยันตัวตน", "Requests to confirm it's you")),
    h("button", { id: "card", onclick: () => go(cardScreen) }, t("บัตรประชาชนดิจิทัล", "Digital ID card")),
    h("button", { id: "history", onclick: () => go(historyScreen) }, t("ประวัติและความยินยอม", "History and consents")),
    h("button", { id: "change-passcode", class: "secondary", onclick: () => go(changePasscode) }, t("เปลี่ยนรหัสผ่าน", "Change the passcode")));
  watchRequests(device, document.getElementById("requests"));
}
// While the home screen is open, the Requests button says how many agencies are waiting (a meeting's
// registration desk, a call centre), checked every few seconds with a device-signed request.
async function watchRequests(device, button) {
  if (!button.isConnected) return;
  if (navigator.onLine) try {
    const signed = await sign(device.privateKey, { purpose: "inbox", nonce: nonce(), iat: now() });
    const { requests: list } = await api("POST", "/api/app/v1/backchannel-requests", { device_id: device.device_id, signed_request: signed });
    if (!button.isConnected) return;
    button.dataset.waiting = String(list.length);
    button.textContent = t("คำขอยืนยันตัวตน", "Requests to confirm it's you") + (list.length ? ` (${list.length})` : "");
  } catch (e) { /* offline or locked: the Requests screen explains */ }
  setTimeout(() => watchRequests(device, button), 5000);
}

// -- enrolment: both channels ----------------------------------------------------------------------
// The enrolment under way, kept while the citizen moves between its steps (and back): the server's
// enrolment and its token, the new device key, what each step learnt. Going home drops it.
let enrolment = null;
const SELF_STEPS = 8, OFFICE_STEPS = 4;
// Where the citizen is in an enrolment (seed 002's steps), on every step's screen.
function step(n) {
  const total = enrolment && enrolment.channel === "office" ? OFFICE_STEPS : SELF_STEPS;
  return h("p", { class: "step", id: "step", "data-step": String(n) }, t(`ขั้นตอนที่ ${n} จาก ${total}`, `Step ${n} of ${total}`));
}
const termsCheckbox = (text) => h("label", { class: "terms" },
  h("input", { type: "checkbox", id: "terms", checked: enrolment && enrolment.termsAccepted }), text);

// -- at a registrar office: 1 the terms and the citizen ID, 2 the officer's QR, 3 passcode, 4 consent
function enrolAtOffice() {
  enrolment = enrolment && enrolment.channel === "office" ? enrolment : { channel: "office", first: 3 };
  const pid = h("input", { id: "pid", inputmode: "numeric", maxlength: "17", autocomplete: "off", value: enrolment.pid || "" });
  screen(t("ลงทะเบียนที่สำนักทะเบียน", "Enrol at a registrar office"), back(home), step(1),
    termsCheckbox([t(" ยอมรับ", " I accept the "),
      h("a", { href: `/terms?lang=${lang}`, target: "_blank", id: "terms-link" }, t("ข้อกำหนดการใช้บริการ", "terms of use"))]),
    h("label", { for: "pid" }, t("เลขประจำตัวประชาชน 13 หลัก", "Your 13-digit citizen ID")), pid,
    h("button", { id: "pid-next", class: "primary", onclick: () => {
      if (!document.getElementById("terms").checked) return showError(t("กรุณายอมรับข้อกำหนด", "Please accept the terms"));
      enrolment.termsAccepted = true;
      enrolment.pid = pid.value.replace(/\D/g, "");
      go(scanOfficeCode);
    } }, t("ถัดไป", "Next")));
}
function scanOfficeCode() {
  screen(t("สแกนคิวอาร์ของเจ้าหน้าที่", "Scan the officer's QR code"), back(enrolAtOffice), step(2),
    scanner((code) => bindAtOffice(code), t("ลิงก์จากจอของเจ้าหน้าที่", "The link on the officer's screen")));
}
async function bindAtOffice(payload) {
  const code = payload.replace(/\/+$/, "").split("/").pop();
  try {
    const key = await newKey();
    const proof = await sign(key.privateKey, { purpose: "enrol", iat: now() });
    const bound = await api("POST", "/api/app/v1/office-enrolments", { code, pid: enrolment.pid, accept_terms: true, public_jwk: key.publicJwk, key_proof: proof });
    Object.assign(enrolment, { id: bound.id, auth: { Authorization: `Bearer ${bound.token}` }, key, pid: bound.card.pid });
    go(passcodeStep);
  } catch (e) { failed(t("ลงทะเบียนไม่สำเร็จ", "Enrolment failed"), e, back(scanOfficeCode)); }
}

// -- the last two steps of either channel: the passcode twice, then the consent and the passcode again
function passcodeStep() {
  const n = enrolment.first;
  screen(t("ตั้งรหัสผ่าน", "Choose your passcode"), step(n), askPasscodeTwice(async (first, second) => {
    try {
      await api("POST", `/api/app/v1/enrolments/${enrolment.id}/passcode`, { passcode: first, passcode_confirmation: second }, enrolment.auth);
      go(consentStep);
    } catch (e) { showError(e.message); }
  }));
}
// The consent is shown in full, then confirmed with the passcode just chosen (seed 002). Back leads
// to choosing the passcode again (the server takes a new one until the consent is given).
function consentStep() {
  const n = enrolment.first + 1;
  screen(t("ยินยอมผูกตัวตนดิจิทัล", "Your consent"), back(passcodeStep), step(n),
    h("p", { id: "consent-text" }, t("ข้าพเจ้ายินยอมให้ผูกตัวตนดิจิทัลของข้าพเจ้ากับโทรศัพท์เครื่องนี้ และให้ระบบส่งข้อมูลของข้าพเจ้าให้หน่วยงานเฉพาะเมื่อข้าพเจ้าอนุมัติในแต่ละครั้ง ข้าพเจ้าเพิกถอนความยินยอมได้ทุกเมื่อ",
      "I agree that my digital ID is bound to this phone, and that my data go to an agency only when I approve each time. I can withdraw a consent at any time.")),
    h("div", { class: "actions" },
      h("button", { id: "consent-agree", class: "primary", onclick: () => go(consentPasscode) }, t("ยินยอม", "I agree")),
      h("button", { id: "consent-decline", class: "secondary", onclick: () => { enrolment = null; go(home); } }, t("ไม่ยินยอม", "I do not agree"))));
}
function consentPasscode() {
  const n = enrolment.first + 1;
  screen(t("ยืนยันด้วยรหัสผ่าน", "Confirm with your passcode"), back(consentStep), step(n),
    keypad(t("ใส่รหัสผ่านเพื่อยืนยันความยินยอม", "Enter your passcode to confirm"), async (code) => {
      try {
        const done = await api("POST", `/api/app/v1/enrolments/${enrolment.id}/consent`, { accept: true, passcode: code }, enrolment.auth);
        const { key, pid } = enrolment;
        await save("device", { device_id: done.device_id, identity_id: done.identity_id, ial: done.ial, pid, privateKey: key.privateKey, publicJwk: key.publicJwk });
        await forget("card");
        enrolment = null;
        go(() => screen(t("ลงทะเบียนสำเร็จ", "You are enrolled"), h("p", { class: "result-mark", "aria-hidden": "true" }, "✓"),
          h("p", { id: "enrolled" }, level(done.ial)),
          h("p", {}, t("ต่อไป: สแกนคิวอาร์บนหน้าเว็บของหน่วยงานเพื่อเข้าสู่ระบบ", "Next: scan the QR code on an agency's website to sign in.")),
          h("button", { class: "primary", id: "start", onclick: () => go(home) }, t("เริ่มใช้งาน", "Start"))));
      } catch (e) { showError(e.message); }
    }));
}

// -- by yourself: 1 terms, 2 card front, 3 card back, 4 check the data, 5 selfie, 6 head turn, then the two above
// Seed 002's first step: the terms, shown and accepted before anything is sent.
function selfEnrol() {
  enrolment = enrolment && enrolment.channel === "self" ? enrolment : { channel: "self", first: 7 };
  screen(t("ข้อกำหนดการใช้บริการ", "Terms of use"), back(home), step(1),
    h("ul", { id: "terms-summary" },
      h("li", {}, t("ตัวตนดิจิทัลเป็นของท่านคนเดียว ผูกกับเลขประจำตัวประชาชนและโทรศัพท์เครื่องนี้", "Your digital ID is yours alone, bound to your citizen ID and this phone.")),
      h("li", {}, t("ระบบจะเทียบรูปบัตรและใบหน้าของท่านกับภาพในทะเบียนราษฎร ภาพถูกลบภายใน 72 ชั่วโมง", "Your card and face photos are compared with the civil registry photo, then deleted within 72 hours.")),
      h("li", {}, t("เก็บรหัสผ่าน 8 หลักเป็นความลับ ไม่มีเจ้าหน้าที่คนใดขอรหัสผ่านของท่าน", "Keep your 8-digit passcode secret: nobody will ever ask you for it."))),
    h("p", {}, h("a", { href: `/terms?lang=${lang}`, target: "_blank", id: "terms-link" }, t("อ่านข้อกำหนดฉบับเต็ม", "Read the full terms")), " · ",
      h("a", { href: `/privacy?lang=${lang}`, target: "_blank" }, t("ประกาศความเป็นส่วนตัว", "Privacy notice"))),
    termsCheckbox(t(" ข้าพเจ้ายอมรับข้อกำหนดการใช้บริการ", " I accept the terms of use")),
    h("div", { class: "actions" },
      h("button", { id: "terms-next", class: "primary", onclick: () => {
        if (!document.getElementById("terms").checked) return showError(t("กรุณายอมรับข้อกำหนดก่อน", "Please accept the terms first"));
        enrolment.termsAccepted = true;
        startSelfEnrolment();
      } }, t("ถัดไป", "Next"))));
}
async function startSelfEnrolment() {
  if (enrolment.id) return go(cardFront);                   // back at the terms: the enrolment goes on
  try {
    const key = await newKey();
    const proof = await sign(key.privateKey, { purpose: "enrol", iat: now() });
    const started = await api("POST", "/api/app/v1/enrolments", { accept_terms: true, public_jwk: key.publicJwk, key_proof: proof });
    Object.assign(enrolment, { id: started.id, key, auth: { Authorization: `Bearer ${started.token}` } });
    go(cardFront);
  } catch (e) { failed(t("ลงทะเบียนไม่สำเร็จ", "Enrolment failed"), e); }
}
async function upload(path, fields) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v, `${k}.jpg`);
  return api("POST", `/api/app/v1/enrolments/${enrolment.id}${path}`, f, enrolment.auth);
}
// The sandbox's personas to choose from, read once (the card's photo is of the chosen one).
let personas = null;
function personaPicker() {
  const select = h("select", { id: "sandbox-persona", onchange: () => { enrolment.persona = select.value; } },
    h("option", { value: "" }, t("— เลือกบุคคลทดสอบ —", "— choose a test persona —")));
  const fill = (list) => {
    for (const p of list) select.append(h("option", { value: p.pid, selected: p.pid === enrolment.persona },
      `${p.given_name_th} ${p.family_name_th} · ${p.pid}`));
  };
  if (personas) fill(personas);
  else api("GET", "/api/sandbox/v1/personas?count=8").then((r) => { personas = r.personas; fill(personas); }).catch(() => {});
  return [h("label", { for: "sandbox-persona" }, t("บุคคลทดสอบ", "Test persona")), select];
}
const personaPhoto = (path, params) => () => enrolment.persona
  ? `/api/sandbox/v1/personas/${enrolment.persona}/${path}?${new URLSearchParams(params())}` : null;
function cardFront() {
  screen(t("ถ่ายรูปบัตรด้านหน้า", "Photograph the front of your card"), back(selfEnrol), step(2),
    photoStep(t("วางบัตรให้เต็มกรอบ", "Fill the frame with the card"), "environment", async (front) => {
      try { await upload("/card-front", { photo: front }); go(cardBack); } catch (e) { showError(e.message); }
    }, { extra: SANDBOX ? personaPicker() : [], url: personaPhoto("card-photo", () => ({ side: "front", shot: fresh() })) }));
}
function cardBack() {
  screen(t("ถ่ายรูปบัตรด้านหลัง", "Photograph the back of your card"), back(cardFront), step(3),
    photoStep(t("ด้านที่มีรหัสเลเซอร์", "The side with the laser code"), "environment", async (photo) => {
      try { enrolment.card = (await upload("/card-back", { photo })).card; go(checkCard); } catch (e) { showError(e.message); }
    }, { url: personaPhoto("card-photo", () => ({ side: "back", shot: fresh() })) }));
}
// The card shows the birth date in the Buddhist era (13 ต.ค. 2530); the form does too, on Thai
// screens, as DD/MM/YYYY (พ.ศ.), and sends the server ISO 8601 (Gregorian). Either form is read.
function toBuddhist(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${Number(m[1]) + 543}` : (iso || "");
}
function fromTyped(text) {
  const value = text.trim();
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (!m) return value;                                   // ISO already, or for the server to refuse
  const year = Number(m[3]) > 2400 ? Number(m[3]) - 543 : Number(m[3]);
  return `${year}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
}
// "Check your answers": what the camera read, for the citizen to correct. Back retakes the card's back.
function checkCard() {
  const card = enrolment.card;
  const shown = { ...card, birth_date: lang === "th" ? toBuddhist(card.birth_date) : card.birth_date };
  const field = (name, label) => [h("label", { for: name }, label), h("input", { id: name, value: shown[name] || "" })];
  screen(t("ตรวจสอบข้อมูลบัตร", "Check your card's data"), back(cardBack), step(4),
    h("p", {}, t("แก้ไขให้ตรงกับบัตรของท่าน", "Correct anything that differs from your card.")),
    ...field("pid", t("เลขประจำตัวประชาชน", "Citizen ID")), ...field("given_name_th", t("ชื่อ", "Given name (Thai)")),
    ...field("family_name_th", t("นามสกุล", "Family name (Thai)")), ...field("birth_date", t("วันเกิด (วว/ดด/ปปปป พ.ศ. ตามบัตร)", "Birth date (YYYY-MM-DD, or DD/MM/YYYY)")),
    ...field("laser_code", t("รหัสหลังบัตร", "Laser code")),
    h("button", { id: "card-ok", class: "primary", onclick: async () => {
      const v = (n) => document.getElementById(n).value.trim();
      const typed = { pid: v("pid"), laser_code: v("laser_code"), given_name_th: v("given_name_th"), family_name_th: v("family_name_th"), birth_date: fromTyped(v("birth_date")) };
      try {
        enrolment.confirmed = await api("POST", `/api/app/v1/enrolments/${enrolment.id}/card-data`, typed, enrolment.auth);
        enrolment.pid = typed.pid;
        go(selfieStep);
      } catch (e) { showError(e.message); }
    } }, t("ข้อมูลถูกต้อง", "This is correct")));
}
// The card is confirmed: there is no way back past here (the registry has answered). The selfie is
// kept in the app until the head turn is taken; both go together.
function selfieStep() {
  const moving = enrolment.confirmed.active_device_since ? h("p", { id: "already-enrolled", class: "notice" },
    t("ท่านมีตัวตนดิจิทัลบนโทรศัพท์เครื่องอื่นอยู่แล้ว หากลงทะเบียนต่อ ตัวตนจะย้ายมาที่เครื่องนี้ และเครื่องเดิมจะใช้ไม่ได้อีก",
      "You already have a digital ID on another phone. If you go on, it moves to this phone and the old one stops working.")) : null;
  screen(t("ถ่ายรูปใบหน้า", "Take a selfie"), step(5), moving,
    photoStep(t("มองกล้อง ถอดหมวกและแว่นกันแดด", "Look at the camera, with no hat or sunglasses"), "user", (selfie) => { enrolment.selfie = selfie; go(turnStep); },
      // The simulated head turn is made from the same sitting as the selfie (its attempt number).
      { url: personaPhoto("selfie", () => ({ attempt: (enrolment.sitting = fresh()) })) }));
}
function turnStep() {
  const challenge = enrolment.confirmed.challenge;
  screen(t("หันศีรษะ", "Turn your head"), back(selfieStep), step(6), h("p", { id: "challenge", "data-challenge": challenge }),
    photoStep(challenge === "left" ? t("หันไปทางซ้าย", "Turn to your left") : t("หันไปทางขวา", "Turn to your right"), "user", async (turned) => {
      try {
        await upload("/selfie", { photo: enrolment.selfie, turned });
        go(passcodeStep);
      } catch (e) {
        // The face was refused: the card stays confirmed, so the citizen takes the selfie again
        // (a refusal that ends the enrolment says so, and leads home).
        const final = e.body && e.body.reason === "too_many_failures";
        failed(t("ตรวจใบหน้าไม่ผ่าน", "The face check did not pass"), e, ...(final ? [] : [
          h("button", { id: "selfie-again", class: "primary", onclick: () => go(selfieStep) }, t("ถ่ายรูปใบหน้าใหม่", "Take the selfie again")),
          h("button", { class: "secondary", onclick: () => { enrolment = null; go(home); } }, t("ลงทะเบียนที่สำนักทะเบียนแทน", "Enrol at a registrar office instead"))]));
      }
    }, { url: personaPhoto("selfie", () => ({ attempt: enrolment.sitting ?? fresh(), turn: challenge })) }));
}

// -- QR sign-in -----------------------------------------------------------------------------------
function signinId(text) {
  const notOurs = () => new Error(t("ไม่ใช่คิวอาร์สำหรับเข้าสู่ระบบ", "This is not a Tuaton sign-in QR code."));
  const parse = (link) => { try { return new URL(link); } catch { throw notOurs(); } };
  let payload = text.trim();
  if (payload.startsWith("tuaton://")) payload = parse(payload).searchParams.get("payload") || "";
  if (!payload.includes("://")) return payload;
  const url = parse(payload);
  if (url.origin !== location.origin) throw new Error(t("คิวอาร์นี้ไม่ใช่ของ Tuaton นี้ แอปจะไม่ส่งการอนุมัติไปที่อื่น", `This QR code belongs to ${url.origin}; the app will not send your approval there.`));
  const parts = url.pathname.split("/").filter(Boolean);
  if (parts.length !== 2 || parts[0] !== "s") throw notOurs();
  return parts[1];
}
function scanSignin() {
  screen(t("สแกนคิวอาร์เพื่อเข้าสู่ระบบ", "Scan the sign-in QR code"), scanner(async (text) => {
    try { const signin = await api("GET", `/api/app/v1/signins/${signinId(text)}`); go(() => approval(signin)); }
    catch (e) { failed(t("เข้าสู่ระบบไม่ได้", "Cannot sign in"), e, h("button", { class: "primary", onclick: () => go(scanSignin) }, t("สแกนอีกครั้ง", "Scan again")),
      h("button", { class: "secondary", onclick: () => go(home) }, t("กลับหน้าหลัก", "Home"))); }
  }, t("ลิงก์เข้าสู่ระบบ", "Sign-in link")));
}
function agencyBlock(agency, claims, extra) {
  return h("section", { class: "approval" },
    h("img", { src: `/agencies/logo/${encodeURIComponent(agency.client_id)}.png`, alt: "", class: "agency-logo", onerror: (e) => e.target.remove() }),
    h("h2", { id: "agency-name" }, lang === "th" ? agency.name_th : agency.name_en),
    extra, h("p", {}, lang === "th" ? agency.purpose_th : agency.purpose_en),
    h("p", {}, t("ข้อมูลที่จะส่งให้:", "Data it will receive:")),
    h("ul", { id: "claims" }, ...claims.map((c) => h("li", {}, lang === "th" ? c.label_th : c.label_en))));
}
// After a sign-in: an optional rating of the e-Service and of Tuaton (1–5), once, never required.
function ratingForm(signin, device) {
  const stars = (name, legend) => h("fieldset", { class: "rating", id: `rate-${name}` }, h("legend", {}, legend),
    ...[1, 2, 3, 4, 5].map((n) => h("label", { class: "rating-choice" },
      h("input", { type: "radio", name, value: String(n), id: `rate-${name}-${n}` }), ` ${n}`)));
  const comment = h("textarea", { id: "rate-comment", maxlength: "500", rows: "2" });
  const form = h("form", { id: "rating-form", onsubmit: async (e) => {
    e.preventDefault();
    const pick = (name) => { const c = form.querySelector(`input[name=${name}]:checked`); return c ? Number(c.value) : null; };
    try {
      const signed = await sign(device.privateKey, { purpose: "rate", signin: signin.id, nonce: nonce(), iat: now() });
      await api("POST", "/api/app/v1/me/ratings", { device_id: device.device_id, signed_request: signed,
        service: pick("service"), tuaton: pick("tuaton"), comment: comment.value });
      form.replaceWith(h("p", { id: "rating-thanks", role: "status" }, t("ขอบคุณสำหรับความคิดเห็น", "Thank you for your feedback.")),
        h("button", { class: "primary", onclick: () => go(home) }, t("กลับหน้าหลัก", "Home")));
    } catch (err) { showError(err.message); }
  } },
    h("h2", {}, t("ให้คะแนนบริการนี้ (ไม่บังคับ)", "Rate this service (optional)")),
    h("p", { class: "muted" }, t("1 = ไม่พอใจมาก, 5 = พอใจมาก", "1 = very poor, 5 = very good")),
    stars("service", lang === "th" ? signin.agency.name_th : signin.agency.name_en),
    stars("tuaton", t("การเข้าสู่ระบบด้วยตัวตน", "Signing in with Tuaton")),
    h("label", { for: "rate-comment" }, t("ความคิดเห็น (ไม่บังคับ)", "Comment (optional)")), comment,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "rate-send" }, t("ส่งคะแนน", "Send")),
      h("button", { type: "button", class: "secondary", id: "rate-skip", onclick: () => go(home) }, t("ข้าม", "Skip"))));
  return form;
}
async function approval(signin) {
  const device = await load("device");
  const decide = async (decision, passcode, number) => {
    const signed = await sign(device.privateKey, { purpose: "signin", signin: signin.id, challenge: signin.challenge, decision, device: device.device_id, nonce: nonce(), iat: now() });
    return api("POST", `/api/app/v1/signins/${signin.id}/decision`, { device_id: device.device_id, decision, signed_request: signed, passcode: passcode || null, number: number || null });
  };
  // Where the sign-in was started, coarsely, so a relayed QR code can be noticed.
  const on = signin.started_on;
  const startedOn = on ? h("p", { id: "started-on", "data-kind": on.kind }, t("เริ่มจาก ", "Started on ") + (lang === "th" ? on.label_th : on.label_en) +
    (on.at ? " · " + new Date(on.at * 1000).toLocaleTimeString(lang === "th" ? "th-TH" : "en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Bangkok" }) : "")) : null;
  const askPasscode = (number) => keypad(t("ใส่รหัสผ่านเพื่ออนุมัติ", "Enter your passcode to approve"), async (code) => {
    try {
      const r = await decide("approve", code, number);
      go(() => screen(t("อนุมัติแล้ว", "Approved"), h("p", { class: "result-mark", "aria-hidden": "true" }, "✓"),
        h("p", { id: "result", "data-status": r.status }, t("กลับไปที่หน้าจอของหน่วยงานได้เลย", "Go back to the agency's screen.")), ratingForm(signin, device)));
    }
    catch (e) { showError(e.message); }
  });
  // Number matching: the citizen picks the number their sign-in page shows, then the passcode.
  const choices = signin.number_choices || [];
  const area = h("div", { id: "approve-area" });
  if (choices.length) {
    area.append(h("p", { id: "pick-number-help" }, t("เลือกตัวเลขที่แสดงบนหน้าจอที่ท่านกำลังเข้าสู่ระบบ", "Pick the number shown on the screen you are signing in on")),
      h("div", { id: "number-choices", class: "choices" }, ...choices.map((n) =>
        h("button", { class: "number-choice", "data-number": n, onclick: () => area.replaceChildren(askPasscode(n)) }, n))));
  } else {
    area.append(askPasscode(null));
  }
  screen(t("ยืนยันการเข้าสู่ระบบ", "Confirm the sign-in"),
    agencyBlock(signin.agency, signin.claims, h("p", { id: "reference" }, t("รหัสอ้างอิง ", "Reference ") + signin.reference)),
    startedOn, area,
    h("button", { id: "deny", class: "secondary", onclick: async () => {
      try {
        await decide("deny");
        go(() => screen(t("ปฏิเสธแล้ว", "Refused"), h("p", { id: "result", "data-status": "denied" },
          t("ไม่มีข้อมูลใดถูกส่งให้หน่วยงาน หน้าจอของหน่วยงานจะแจ้งว่าท่านปฏิเสธ", "Nothing was shared; the agency's screen says you refused.")),
          h("button", { class: "primary", onclick: () => go(home) }, t("กลับหน้าหลัก", "Home"))));
      } catch (e) { showError(e.message); }
    } }, t("ปฏิเสธ", "Refuse")));
}

// -- backchannel requests (meeting check-in, call centres) --------------------------------------
async function requests() {
  const device = await load("device");
  try {
    const signed = await sign(device.privateKey, { purpose: "inbox", nonce: nonce(), iat: now() });
    const { requests: list } = await api("POST", "/api/app/v1/backchannel-requests", { device_id: device.device_id, signed_request: signed });
    screen(t("คำขอยืนยันตัวตน", "Requests to confirm it's you"),
      list.length ? h("ul", { id: "request-list" }, ...list.map((r) => h("li", {}, h("button", { class: "request", onclick: () => go(() => backchannelApproval(r)) },
        `${lang === "th" ? r.agency.name_th : r.agency.name_en} — ${r.binding_message || ""}`)))) : h("p", { id: "no-requests" }, t("ไม่มีคำขอ", "Nothing waiting")));
  } catch (e) { failed(t("คำขอยืนยันตัวตน", "Requests to confirm it's you"), e); }
}
async function backchannelApproval(r) {
  const device = await load("device");
  const decide = async (decision, passcode) => {
    const signed = await sign(device.privateKey, { purpose: "backchannel", request: r.id, decision, device: device.device_id, nonce: nonce(), iat: now() });
    return api("POST", `/api/app/v1/backchannel-requests/${encodeURIComponent(r.id)}/decision`, { device_id: device.device_id, decision, signed_request: signed, passcode: passcode || null });
  };
  screen(t("ยืนยันตัวตน", "Confirm it's you"),
    agencyBlock(r.agency, r.claims, h("p", { id: "binding-message", class: "binding" }, r.binding_message || "")),
    keypad(t("ใส่รหัสผ่านเพื่ออนุมัติ", "Enter your passcode to approve"), async (code) => {
      try {
        const res = await decide("approve", code);
        go(() => screen(t("ยืนยันแล้ว", "Confirmed"), h("p", { class: "result-mark", "aria-hidden": "true" }, "✓"),
          h("p", { id: "result", "data-status": res.status }, r.binding_message || ""),
          h("button", { class: "primary", onclick: () => go(home) }, t("กลับหน้าหลัก", "Home"))));
      } catch (e) { showError(e.message); }
    }),
    h("button", { id: "deny", class: "secondary", onclick: async () => { try { await decide("deny"); go(requests); } catch (e) { showError(e.message); } } }, t("ปฏิเสธ", "Refuse")));
}

// -- history and consents ------------------------------------------------------------------------
async function historyScreen() {
  const device = await load("device");
  try {
    const signed = await sign(device.privateKey, { purpose: "history", nonce: nonce(), iat: now() });
    const data = await api("POST", "/api/app/v1/me/history", { device_id: device.device_id, signed_request: signed });
    const name = (x) => (lang === "th" ? x.agency_th : x.agency_en);
    const labels = (claims) => claims.map((c) => (lang === "th" ? c.label_th : c.label_en)).join(", ");
    const when = (iso) => new Date(iso).toLocaleString(lang === "th" ? "th-TH" : "en-GB");
    screen(t("ประวัติและความยินยอม", "History and consents"),
      h("h2", {}, t("หน่วยงานที่ท่านให้ความยินยอม", "Agencies you have consented to")),
      data.consents.length ? h("ul", { id: "consents" }, ...data.consents.map((c) => h("li", { "data-client": c.client_id },
        h("strong", {}, name(c)), h("br"), labels(c.claims),
        h("button", { class: "secondary withdraw", onclick: (event) => {
          // Withdrawing is not undone by a tap: the app says what it means and asks once more.
          event.target.replaceWith(h("div", { class: "warning", role: "alert", id: "withdraw-confirm" },
            h("p", {}, t(`${name(c)} จะไม่ได้รับข้อมูลของท่านอีก และท่านต้องให้ความยินยอมใหม่ในการเข้าสู่ระบบครั้งถัดไป`,
              `${name(c)} will no longer receive your data, and you will be asked to consent again the next time you sign in there.`)),
            h("button", { class: "danger", id: "withdraw-yes", onclick: async () => {
              try {
                const s = await sign(device.privateKey, { purpose: "withdraw-consent", client_id: c.client_id, nonce: nonce(), iat: now() });
                await api("POST", `/api/app/v1/me/consents/${encodeURIComponent(c.client_id)}/withdraw`, { device_id: device.device_id, signed_request: s });
                await historyScreen();
                main.querySelector("h1").after(h("p", { class: "notice success", role: "status", id: "withdrawn" }, t(`เพิกถอนความยินยอมให้ ${name(c)} แล้ว`, `Consent to ${name(c)} withdrawn.`)));
              } catch (e) { showError(e.message); }
            } }, t("เพิกถอน", "Withdraw")),
            h("button", { class: "secondary", id: "withdraw-no", onclick: () => go(historyScreen) }, t("ยกเลิก", "Cancel"))));
        } }, t("เพิกถอนความยินยอม", "Withdraw consent"))))) : h("p", { id: "no-consents" }, t("ยังไม่มี", "None yet")),
      h("h2", {}, t("ประวัติการเข้าสู่ระบบ", "Sign-in history")),
      h("ul", { id: "signins" }, ...data.signins.map((s) => h("li", {}, `${when(s.at)} · ${name(s)} · ${labels(s.claims)}`))));
  } catch (e) { failed(t("ประวัติและความยินยอม", "History and consents"), e); }
}

// -- the passcode ----------------------------------------------------------------------------------
function changePasscode() {
  const title = t("เปลี่ยนรหัสผ่าน", "Change the passcode");
  screen(title, keypad(t("ใส่รหัสผ่านปัจจุบัน", "Enter your current passcode"), (current) => {
    screen(title, askPasscodeTwice(async (first, second) => {
      try {
        const device = await load("device");
        const signed = await sign(device.privateKey, { purpose: "change-passcode", nonce: nonce(), iat: now() });
        await api("POST", "/api/app/v1/me/passcode", { device_id: device.device_id, signed_request: signed,
          current_passcode: current, new_passcode: first, new_passcode_confirmation: second });
        go(() => screen(t("เปลี่ยนรหัสผ่านแล้ว", "Passcode changed"), h("p", { id: "passcode-changed" }, t("ใช้รหัสผ่านใหม่ตั้งแต่ครั้งนี้", "Use the new passcode from now on.")),
          h("button", { class: "primary", onclick: () => go(home) }, t("กลับหน้าหลัก", "Home"))));
      } catch (e) { changePasscode(); showError(e.message); }  // start again, with the reason
    }));
  }));
}

// -- the digital ID card ----------------------------------------------------------------------------
const b64json = (part) => JSON.parse(new TextDecoder().decode(base64url.decode(part)));
function disclosures(credential) {
  return credential.split("~").slice(1).filter(Boolean).map((d) => ({ encoded: d, name: b64json(d)[1], value: b64json(d)[2] }));
}
async function cardScreen() {
  const device = await load("device");
  const card = await load("card");
  const life = card ? card.expires_at - card.fetched_at : 1;
  if (card && card.expires_at - now() > life / 2) return showCard(device, card);
  if (card && card.expires_at > now() && !navigator.onLine) return showCard(device, card);
  screen(t("บัตรประชาชนดิจิทัล", "Digital ID card"), keypad(t("ใส่รหัสผ่านเพื่อรับบัตร", "Enter your passcode to get your card"), async (code) => {
    try {
      const signed = await sign(device.privateKey, { purpose: "card", nonce: nonce(), iat: now() });
      const body = await api("POST", "/api/app/v1/card", { device_id: device.device_id, signed_request: signed, passcode: code });
      const type = await api("GET", new URL(b64json(body.credential.split(".")[1]).vct).pathname);
      const stored = { ...body, fetched_at: now(), presentations: type.presentations };
      await save("card", stored);
      showCard(device, stored);
    } catch (e) { showError(e.message); }
  }));
}
function showCard(device, card) {
  const claims = Object.fromEntries(disclosures(card.credential).map((d) => [d.name, d.value]));
  const face = claims.picture ? h("img", { src: claims.picture, alt: t("รูปถ่าย", "Photo"), class: "card-photo", id: "card-photo" }) : null;
  const qrBox = h("div", { id: "card-qr", class: "qr" });
  const choices = Object.entries(card.presentations).map(([key, p]) => h("button", { class: "showing", "data-showing": key, onclick: () => presentCard(device, card, key, p.claims, qrBox) }, lang === "th" ? p.label_th : p.label_en));
  const issuer = (() => { try { return new URL(b64json(card.credential.split(".")[1]).iss).host; } catch { return ""; } })();
  const until = new Date(card.expires_at * 1000).toLocaleString(lang === "th" ? "th-TH" : "en-GB",
    { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Bangkok" });
  screen(t("บัตรประชาชนดิจิทัล", "Digital ID card"),
    h("section", { class: "id-card", id: "id-card" },
      h("p", { class: "card-issuer", id: "card-issuer" }, t("บัตรประชาชนดิจิทัล · ออกโดยตัวตน ", "Digital ID card · issued by Tuaton ") + issuer),
      face,
      h("p", { id: "card-name" }, claims.name || ""), h("p", {}, claims.name_en || ""),
      h("p", { id: "card-pid" }, claims.pid || ""),
      h("p", {}, t("วันเกิด ", "Born ") + (claims.birthdate ? new Date(claims.birthdate).toLocaleDateString(lang === "th" ? "th-TH" : "en-GB", { dateStyle: "long" }) : "")),
      h("p", { class: "card-expiry", id: "card-expiry" }, t("บัตรดิจิทัลนี้ใช้ได้ถึง ", "This digital card is valid until ") + until)),
    h("p", {}, t("แสดงให้ผู้ตรวจสแกน:", "Show a verifier:")), h("div", { class: "showings" }, ...choices), qrBox);
}
async function presentCard(device, card, showing, names, box) {
  const chosen = disclosures(card.credential).filter((d) => names.includes(d.name)).map((d) => d.encoded);
  const withoutKb = [card.credential.split("~")[0], ...chosen].join("~") + "~";
  const sdHash = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(withoutKb))));
  const kb = await sign(device.privateKey, { iat: now(), aud: card.audience, nonce: nonce(), sd_hash: sdHash }, { alg: "ES256", typ: "kb+jwt" });
  const presentation = withoutKb + kb;
  const qr = window.qrcode(0, "L"); qr.addData(presentation, "Byte"); qr.make();
  box.innerHTML = qr.createSvgTag({ cellSize: 3, margin: 4, scalable: true }); // SVG made by the vendored encoder from our own data
  box.dataset.presentation = presentation; box.dataset.showing = showing;
  box.scrollIntoView({ block: "center", behavior: "smooth" });      // the QR code, not the buttons, in view
  // One countdown per box: a second choice replaces the first QR code and its timer.
  clearInterval(box.tick);
  // Counted from the clock, not from ticks: a phone that sleeps does not stop a QR code's minute.
  const shownAt = Date.now();
  const timer = h("p", { id: "card-countdown" }, "60s"); box.append(timer);
  const again = () => presentCard(device, card, showing, names, box);
  box.tick = setInterval(() => {
    const left = 60 - Math.floor((Date.now() - shownAt) / 1000);
    timer.textContent = `${Math.max(left, 0)}s`;
    if (left > 0 && box.isConnected) return;
    clearInterval(box.tick);
    if (box.isConnected) box.replaceChildren(h("button", { id: "card-again", class: "secondary", onclick: again }, t("คิวอาร์หมดอายุแล้ว แตะเพื่อแสดงใหม่", "The QR code has expired: tap to show a new one")));
  }, 1000);
}

// -- start -----------------------------------------------------------------------------------------
document.documentElement.lang = lang;
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {});
const deepLink = new URLSearchParams(location.search).get("signin");
if (deepLink) load("device").then((d) => d ? api("GET", `/api/app/v1/signins/${signinId(deepLink)}`).then((signin) => go(() => approval(signin)))
  .catch((e) => { go(home).then(() => showError(e.message)); }) : go(home));
else go(home);
